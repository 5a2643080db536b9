import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real journald for the tests: started when none runs (systemd-journald works here without
/// systemd as PID 1), read back with `journalctl -o json`.
enum JournalSupport {
    static let socket = "/run/systemd/journal/socket"
    static let journald = "/lib/systemd/systemd-journald"

    /// True when a journald listens on the socket, starting one first if we can (root, binary
    /// present). A socket file alone proves nothing: one left by a journald that has since died
    /// refuses every entry, so the test would read back an empty journal.
    static let available: Bool = {
        _ = since
        if listening() { return true }
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: journald) else { return false }
        try? FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [journald]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        for _ in 0..<50 where !listening() { usleep(100_000) }
        return listening()
    }()

    /// When this test process first asked for the journal. A journald outlives a test run, and on
    /// a machine that has run the suite before its journal holds earlier daemons' entries, some
    /// under a PID that a daemon of this run has again (seen: another run's "started" and "done"
    /// read as this daemon's). Entries before this moment (less a second) are not this run's.
    static let since = Date()

    /// Whether a datagram connect to the journal socket succeeds (it is refused when nobody listens).
    static func listening() -> Bool {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in socket.utf8.enumerated() where index < path.count - 1 { path[index] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    static var unavailableReason: Comment {
        "journald is not running and cannot be started here (needs root and \(journald))"
    }

    /// Every entry the process `pid` sent with SYSLOG_IDENTIFIER=zsn2nd since this run began, oldest first.
    static func entries(pid: Int32) -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments = ["-o", "json", "--no-pager", "--since=@\(Int(since.timeIntervalSince1970) - 1)",
                             "SYSLOG_IDENTIFIER=zsn2nd", "_PID=\(pid)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
            return object.compactMapValues { $0 as? String }
        }
    }

    /// Waits until `condition` holds for the entries of `pid` (journald writes asynchronously).
    static func waitForEntries(pid: Int32, timeout: Double = 10,
                               until condition: ([[String: String]]) -> Bool) -> [[String: String]] {
        let deadline = Date().addingTimeInterval(timeout * DaemonHarness.timeScale)
        var entries = self.entries(pid: pid)
        while !condition(entries) && Date() < deadline {
            usleep(200_000)
            entries = self.entries(pid: pid)
        }
        return entries
    }
}
