import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and errno's text, e.g.
/// `open /srv/inbox/a.png: Permission denied`. The one error of the platform layer.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public var operation: String
    public var path: String
    public var errno: Errno

    public init(_ operation: String, _ path: String, _ errno: Errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(errno.description)" }

    /// The C library's errno after a call swift-system does not wrap.
    static func last(_ operation: String, _ path: String) -> SystemError {
        SystemError(operation, path, Errno(rawValue: Glibc.errno))
    }

    /// Runs a swift-system call, naming the operation and the path in the error it throws.
    static func attempt<T>(_ operation: String, _ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let errno as Errno { throw SystemError(operation, path, errno) }
    }
}
