/// A job that failed for a reason worth telling the operator: `stage` is where (open, decode,
/// train, denoise, write, commit), `reason` is what, in words, without the input's name (the error
/// document and the journal entry name it already).
struct JobFailure: Error, CustomStringConvertible {
    var stage: String
    var reason: String
    var description: String { "\(stage): \(reason)" }
}
