import Foundation
import Platform
import SystemPackage

/// A job that failed for a reason worth telling the operator: `stage` is where (open, decode,
/// train, denoise, write, commit), `reason` is what, in words, without the input's name (the error
/// document and the journal entry name it already); `errno` the system's error, if one caused it.
struct JobFailure: Error, CustomStringConvertible {
    var stage: String
    var reason: String
    var errno: Errno? = nil
    var description: String { "\(stage): \(reason)" }

    /// Errors of the folders' storage, not of the image: a full disk, a quota, a read-only or
    /// unwritable folder. A job that meets one leaves its input in the inbox and is tried again.
    static func isStorage(_ errno: Errno?) -> Bool {
        guard let errno else { return false }
        return [.noSpace, .diskQuotaExceeded, .readOnlyFileSystem, .permissionDenied, .notPermitted].contains(errno)
    }
}

/// failed/NAME.error.json: why an input was refused (schema/zsn2n.error-1.schema.json).
struct ErrorDocument: Codable {
    /// What an error document's name adds to the original's.
    static let suffix = ".error.json"

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
