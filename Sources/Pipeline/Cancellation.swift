import Foundation

/// The one way to stop a job: whoever may stop it (the CLI's Ctrl-C, the daemon's SIGTERM) calls
/// `request()`, and the training stops at its next iteration boundary; the pipeline then throws
/// `Cancellation.Cancelled` and writes nothing. One token per CLI run, one per daemon.
public final class Cancellation: @unchecked Sendable {
    public struct Cancelled: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "cancelled" }
    }

    private let lock = NSLock()
    private var requested = false

    public init() {}

    public func request() { lock.withLock { requested = true } }

    public var isRequested: Bool { lock.withLock { requested } }
}
