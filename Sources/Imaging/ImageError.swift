/// An image that could not be read or written: names the file and says why.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
    public var description: String { "\(file): \(reason)" }
}
