import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The two instants a random kill rarely hits, set up exactly: the restarted daemon must neither
/// lose the input nor produce a second output. (An extension: these run in the same serialized suite.)
extension DaemonIntegrationTests {
    fileprivate func ledgerLine(state: String, input: URL, output: String, sha: String) -> String {
        var st = stat()
        _ = lstat(input.path, &st)
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return #"{"device":\#(st.st_dev),"input":"\#(input.lastPathComponent)","inode":\#(st.st_ino),"mtime_ns":\#(mtime),"output":"\#(output)","sha256":"\#(sha)","size":\#(st.st_size),"state":"\#(state)","time":"2026-01-01T00:00:00Z"}"#
    }

    /// Killed after the sidecar was renamed, before the original moved to done/: the restart only
    /// finishes the move.
    @Test func killBetweenSidecarAndMoveOnlyFinishesTheMove() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        let data = TestImages.png(seed: 30)
        let input = daemon.inbox.appendingPathComponent("window.png")
        try data.write(to: input)
        try FileManager.default.createDirectory(at: daemon.outbox, withIntermediateDirectories: true)
        let output = TestImages.png(seed: 31)
        try output.write(to: daemon.outbox.appendingPathComponent("window.png"))
        let sidecar = Data(#"{"schema":"zsn2n.sidecar/2","input":{"file":"window.png"},"output":{"file":"window.png"}}"#.utf8)
        try sidecar.write(to: daemon.outbox.appendingPathComponent("window.png.json"))
        let digest = sha256(data)
        let ledger = ledgerLine(state: "intent", input: input, output: "window.png", sha: digest) + "\n"
            + ledgerLine(state: "committed", input: input, output: "window.png", sha: digest) + "\n"
        try ledger.write(to: daemon.outbox.appendingPathComponent(".zsn2nd-ledger.jsonl"), atomically: false, encoding: .utf8)

        try daemon.start()
        #expect(daemon.waitReady())
        #expect(daemon.waitUntil(timeout: 20) { daemon.names(daemon.done) == ["window.png"] }, "\(daemon.stderrText)")
        usleep(500_000)
        #expect(daemon.names(daemon.outbox) == ["window.png", "window.png.json"], "denoised twice")
        #expect(try Data(contentsOf: daemon.outbox.appendingPathComponent("window.png")) == output, "output replaced")
        #expect(try Data(contentsOf: daemon.done.appendingPathComponent("window.png")) == data)
        #expect(daemon.stop().status == 0)
    }

    /// The same bytes dropped again later are new work, not a recovery (another inode and mtime).
    @Test func theSameBytesDroppedAgainAreDenoisedAgain() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        try daemon.start()
        #expect(daemon.waitReady())
        let data = TestImages.png(seed: 32)
        try daemon.drop(data, as: "again.png")
        #expect(daemon.waitUntil(timeout: 20) { daemon.names(daemon.done) == ["again.png"] })
        try daemon.drop(data, as: "again.png")
        #expect(daemon.waitUntil(timeout: 20) { daemon.names(daemon.done) == ["again-1.png", "again.png"] })
        #expect(daemon.names(daemon.outbox) == ["again-1.png", "again-1.png.json", "again.png", "again.png.json"])
        #expect(daemon.stop().status == 0)
    }

    /// Killed after the output's rename, before the sidecar's: the output has a final name but no
    /// sidecar. The restart removes it and redoes the job under the same name, once.
    @Test func killBetweenOutputAndSidecarRedoesTheJobWithoutADuplicate() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        let data = TestImages.png(seed: 33)
        let input = daemon.inbox.appendingPathComponent("half.png")
        try data.write(to: input)
        try FileManager.default.createDirectory(at: daemon.outbox, withIntermediateDirectories: true)
        try TestImages.png(seed: 34).write(to: daemon.outbox.appendingPathComponent("half.png"))
        try Data("partial".utf8).write(to: daemon.outbox.appendingPathComponent(".zsn2nd-tmp-1-2-half.png.json"))
        let ledger = ledgerLine(state: "intent", input: input, output: "half.png", sha: sha256(data)) + "\n"
        try ledger.write(to: daemon.outbox.appendingPathComponent(".zsn2nd-ledger.jsonl"), atomically: false, encoding: .utf8)

        try daemon.start()
        #expect(daemon.waitReady())
        #expect(daemon.waitUntil(timeout: 20) { daemon.names(daemon.done) == ["half.png"] }, "\(daemon.stderrText)")
        #expect(daemon.names(daemon.outbox) == ["half.png", "half.png.json"])
        #expect(!daemon.allNames(daemon.outbox).contains { $0.hasPrefix(".zsn2nd-tmp") }, "stale temporary kept")
        let input2 = daemon.sidecar("half.png")?["input"] as? [String: Any]
        #expect(input2?["sha256"] as? String == sha256(data))
        #expect(daemon.stop().status == 0)
    }
}
