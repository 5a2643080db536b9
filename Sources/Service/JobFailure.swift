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
