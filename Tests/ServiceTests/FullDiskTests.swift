import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real full disk and a real read-only outbox: a small tmpfs mounted over the outbox (the tests
/// run as root). Where mounting is refused, the suite says so and does not run.
enum SmallDisk {
    static let mountable: Bool = {
        guard getuid() == 0 else { return false }
        let dir = NSTemporaryDirectory() + "zsn2n-mount-probe-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard run(["/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]) == 0 else { return false }
        return run(["/bin/umount", dir]) == 0
    }()

    static let reason: Comment = "mounting a tmpfs needs root and a mount namespace that allows it; not possible here"

    /// Mounts a tmpfs of `kilobytes` at `path` (created if missing).
    static func mount(_ path: String, kilobytes: Int) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]) == 0
    }

    static func remount(_ path: String, readOnly: Bool) -> Bool {
        run(["/bin/mount", "-o", "remount,\(readOnly ? "ro" : "rw")", path]) == 0
    }

    static func unmount(_ path: String) { _ = run(["/bin/umount", "-l", path]) }

    /// Fills the filesystem at `path` until fewer than `leave` bytes are free, in one file.
    static func fill(_ path: String, leaving leave: Int) throws -> URL {
        let filler = URL(fileURLWithPath: path).appendingPathComponent("filler.bin")
        let fd = open(filler.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        var st = statvfs()
        let block = [UInt8](repeating: 7, count: 1024)
        while statvfs(path, &st) == 0, Int(st.f_bavail) * Int(st.f_bsize) > leave {
            if write(fd, block, block.count) != block.count { break }
        }
        return filler
    }

    @discardableResult
    static func run(_ command: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension DaemonIntegrationTests {
    /// The outbox on a full disk, then read-only: the job is deferred (its input stays in the
    /// inbox, no file in the outbox carries a final name), the daemon keeps running, and the job
    /// succeeds once space returns, or the mount is writable again.
    @Test(.enabled(if: SmallDisk.mountable, SmallDisk.reason))
    func aFullOrReadOnlyOutboxDefersTheJobAndItSucceedsLater() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2, extra: ["--retry-seconds", "1"])
        #expect(SmallDisk.mount(daemon.outbox.path, kilobytes: 256))
        defer { SmallDisk.unmount(daemon.outbox.path) }
        let filler = try SmallDisk.fill(daemon.outbox.path, leaving: 2048)
        try daemon.start()
        #expect(daemon.waitReady(), "stderr: \(daemon.stderrText)")

        try daemon.drop(TestImages.png(size: 64, seed: 91), as: "full.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.stderrText.contains("could not be written out") || journalHas(daemon, "deferred") },
                "no deferred job; stderr: \(daemon.stderrText)")
        usleep(1_500_000)  // a retry or two, still on the full disk
        #expect(daemon.names(daemon.inbox) == ["full.png"])
        #expect(daemon.names(daemon.failed).isEmpty)
        #expect(daemon.names(daemon.outbox).filter { $0 != "filler.bin" }.isEmpty, "\(daemon.allNames(daemon.outbox))")
        #expect(!daemon.allNames(daemon.outbox).contains { $0.hasPrefix(".zsn2nd-tmp-") && !$0.contains("ledger") })
        #expect(daemon.process?.isRunning == true)

        try FileManager.default.removeItem(at: filler)  // space returns
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["full.png"] },
                "not done once space returned; stderr: \(daemon.stderrText)")
        #expect(daemon.names(daemon.outbox) == ["full.png", "full.png.json"])

        #expect(SmallDisk.remount(daemon.outbox.path, readOnly: true))
        try daemon.drop(TestImages.png(size: 64, seed: 92), as: "readonly.png")
        usleep(2_500_000)
        #expect(daemon.names(daemon.inbox) == ["readonly.png"])
        #expect(daemon.names(daemon.failed).isEmpty)
        #expect(SmallDisk.remount(daemon.outbox.path, readOnly: false))
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["full.png", "readonly.png"] },
                "not done once writable; stderr: \(daemon.stderrText)")
        #expect(daemon.stop().status == 0)
    }

    private func journalHas(_ daemon: DaemonHarness, _ event: String) -> Bool {
        JournalSupport.available && JournalSupport.entries(pid: daemon.pid).contains { $0["ZSN2N_EVENT"] == event }
    }
}
