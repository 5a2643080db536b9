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

    /// The folders as a daemon killed while committing `name` leaves them: the input (an image of
    /// `seed`) still in the inbox, `outbox` holding `files`, and the ledger the lines of `states`
    /// for it (its output under the same name). Returns the input's bytes.
    fileprivate func leftByAKill(_ daemon: DaemonHarness, input name: String, seed: UInt64,
                                 outbox files: [(name: String, data: Data)], ledger states: [String]) throws -> Data {
        let data = TestImages.png(seed: seed)
        let input = daemon.inbox.appendingPathComponent(name)
        try data.write(to: input)
        try FileManager.default.createDirectory(at: daemon.outbox, withIntermediateDirectories: true)
        for file in files { try file.data.write(to: daemon.outbox.appendingPathComponent(file.name)) }
        let ledger = states.map { ledgerLine(state: $0, input: input, output: name, sha: sha256(data)) + "\n" }.joined()
        try ledger.write(to: daemon.outbox.appendingPathComponent(".zsn2nd-ledger.jsonl"), atomically: false, encoding: .utf8)
        return data
    }

    /// Killed after the sidecar was renamed, before the original moved to done/: the restart only
    /// finishes the move.
    @Test func killBetweenSidecarAndMoveOnlyFinishesTheMove() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        let output = TestImages.png(seed: 31)
        let sidecar = Data(#"{"schema":"zsn2n.sidecar/2","input":{"file":"window.png"},"output":{"file":"window.png"}}"#.utf8)
        let data = try leftByAKill(daemon, input: "window.png", seed: 30,
                                   outbox: [("window.png", output), ("window.png.json", sidecar)],
                                   ledger: ["intent", "committed"])

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
        let data = try leftByAKill(daemon, input: "half.png", seed: 33,
                                   outbox: [("half.png", TestImages.png(seed: 34)),
                                            (".zsn2nd-tmp-1-2-half.png.json", Data("partial".utf8))],
                                   ledger: ["intent"])

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
