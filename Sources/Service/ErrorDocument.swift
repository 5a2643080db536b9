import Foundation

/// failed/NAME.error.json: why an input was refused (schema/zsn2n.error-1.schema.json).
struct ErrorDocument: Codable {
    var schema = "zsn2n.error/1"
    var file: String
    var failedAs: String
    var stage: String
    var reason: String
    var time: String

    enum CodingKeys: String, CodingKey {
        case schema, file, stage, reason, time
        case failedAs = "failed_as"
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
