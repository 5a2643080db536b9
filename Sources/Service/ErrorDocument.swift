import Foundation
import Platform

/// failed/NAME.error.json: why an input was refused (schema/zsn2n.error-1.schema.json).
struct ErrorDocument: Codable {
    var schema = "zsn2n.error/1"
    var file: String
    var failedAs: String
    var stage: String
    var reason: String
    var time: String

    func jsonData() throws -> Data {
        try JSONFormat.encoder().encode(self)
    }
}
