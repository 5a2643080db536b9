import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A NOTIFY_SOCKET like systemd's: a datagram socket the test binds; every sd_notify message the
/// daemon sends is kept, in order.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var running = true
    private var thread: Thread?

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            precondition(bytes.count < raw.count, "socket path too long")
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let thread = Thread { [self] in loop() }
        self.thread = thread
        thread.start()
    }

    private func loop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while lock.withLock({ running }) {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                lock.withLock { received.append(text) }
            }
        }
        close(fd)
    }

    /// Every line (`KEY=value`) received so far.
    var lines: [String] { lock.withLock { received.flatMap { $0.split(separator: "\n").map(String.init) } } }

    func count(_ line: String) -> Int { lines.filter { $0 == line }.count }

    func stop() {
        lock.withLock { running = false }
        unlink(path)
    }
}
