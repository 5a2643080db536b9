/// An image that could not be read or written: names the file and says why.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var reason: String
    /// The operating system's errno when a read or write of the file failed (ENOSPC for a full
    /// disk, say), else 0: what lets a caller tell a full disk from a bad image.
    public var systemErrno: Int32
    public init(file: String, reason: String, systemErrno: Int32 = 0) {
        self.file = file
        self.reason = reason
        self.systemErrno = systemErrno
    }
    public var description: String { "\(file): \(reason)" }
}
