import Foundation
import Testing

/// The real journald for the tests: started when none runs (systemd-journald works here without
/// systemd as PID 1), read back with `journalctl -o json`.
enum JournalSupport {
    static let socket = "/run/systemd/journal/socket"
    static let journald = "/lib/systemd/systemd-journald"

    /// True when a journal socket exists, starting journald first if we can (root, binary present).
    static let available: Bool = {
        if FileManager.default.fileExists(atPath: socket) { return true }
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: journald) else { return false }
        try? FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = [journald]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: socket) { usleep(100_000) }
        return FileManager.default.fileExists(atPath: socket)
    }()

    static var unavailableReason: Comment {
        "journald is not running and cannot be started here (needs root and \(journald))"
    }

    /// Every entry the process `pid` sent with SYSLOG_IDENTIFIER=zsn2nd, oldest first.
    static func entries(pid: Int32) -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments = ["-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=zsn2nd", "_PID=\(pid)"]
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
        let deadline = Date().addingTimeInterval(timeout)
        var entries = self.entries(pid: pid)
        while !condition(entries) && Date() < deadline {
            usleep(200_000)
            entries = self.entries(pid: pid)
        }
        return entries
    }
}
