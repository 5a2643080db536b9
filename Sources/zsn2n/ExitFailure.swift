/// A failure the user caused or can fix: the message on stderr, exit status 1, no stack.
struct ExitFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
