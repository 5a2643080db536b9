import Foundation
import Testing
@testable import Service

/// Retention: what the folders keep, and for how long; and the ledger compacted between restarts.
@Suite struct RetentionTests {
    let root = NSTemporaryDirectory() + "zsn2n-retention-\(UUID().uuidString)"
    var outbox: String { root + "/outbox" }
    var done: String { root + "/done" }
    var failed: String { root + "/failed" }

    private func make(_ paths: [String]) throws {
        for folder in [outbox, done, failed, root + "/elsewhere", outbox + "/sub"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for path in paths { try Data("x".utf8).write(to: URL(fileURLWithPath: path)) }
    }

    private func names(_ folder: String) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted() }

    private func retention(outbox: Double?, done: Double?, failed: Double?) -> Retention {
        var config = try! ConfigLoader.load(commandLine: ["--inbox", root + "/inbox", "--outbox", self.outbox, "--done", self.done,
                                                          "--failed", self.failed], environment: [:], configFile: nil)
        (config.keepOutboxDays, config.keepDoneDays, config.keepFailedDays) = (outbox, done, failed)
        return Retention(config: config)
    }

    @Test("items older than their folder keeps go, each with what belongs to it, document first; nothing else is touched")
    func sweep() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try make([outbox + "/a.png", outbox + "/a.png.json", outbox + "/orphan.png", outbox + "/.a.png.tmp",
                  done + "/x.png", failed + "/y.png", failed + "/y.png.error.json", root + "/elsewhere/target.png"])
        try FileManager.default.createSymbolicLink(atPath: outbox + "/link.png", withDestinationPath: root + "/elsewhere/target.png")
        let keep = retention(outbox: 2, done: 2, failed: nil)
        #expect(keep.isActive && keep.interval == 3600)
        #expect(keep.sweep(now: Date().addingTimeInterval(86400)).isEmpty)
        let removals = keep.sweep(now: Date().addingTimeInterval(3 * 86400))
        #expect(removals.map(\.files) == [["a.png.json", "a.png"], ["orphan.png"], ["x.png"]], "\(removals)")
        #expect(removals.allSatisfy { $0.ageDays > 2.9 && $0.ageDays < 3.1 })
        // Temporaries, symbolic links (and what they point to), folders, failed/ (no limit) stay.
        #expect(names(outbox) == [".a.png.tmp", "link.png", "sub"])
        #expect(names(done).isEmpty && names(failed) == ["y.png", "y.png.error.json"])
        #expect(names(root + "/elsewhere") == ["target.png"])
        let failedToo = retention(outbox: nil, done: nil, failed: 0.5).sweep(now: Date().addingTimeInterval(86400))
        #expect(failedToo.map(\.files) == [["y.png.error.json", "y.png"]])
        #expect(retention(outbox: nil, done: nil, failed: nil).isActive == false)
        #expect(retention(outbox: 0.00002, done: 30, failed: nil).interval == 1)
    }

    @Test("the ledger is compacted to what is still needed: committed inputs still in the inbox, and intents not yet committed")
    func ledgerCompaction() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try make([])
        let ledger = Ledger(outbox: outbox)
        func entry(_ state: String, _ input: String) -> Ledger.Entry {
            Ledger.Entry(state: state, input: input, sha256: "00", device: 1, inode: 2, size: 3, mtimeNs: 4, output: input, time: "t")
        }
        for input in ["a.png", "b.png"] {
            try ledger.append(entry("intent", input))
            try ledger.append(entry("committed", input))
        }
        try ledger.append(entry("intent", "c.png"))
        ledger.forget(input: "a.png")
        func lines() throws -> [String] { try String(contentsOfFile: ledger.path, encoding: .utf8).split(separator: "\n").map(String.init) }
        #expect(try lines().count == 5)
        try ledger.compact()
        let kept = try lines()
        #expect(kept.count == 2 && kept.contains { $0.contains("\"b.png\"") && $0.contains("committed") }
                && kept.contains { $0.contains("\"c.png\"") && $0.contains("intent") }, "\(kept)")
    }
}

extension DaemonIntegrationTests {
    /// With keep_done_days and keep_outbox_days a fraction of a second, the daemon's sweeps empty
    /// done/ and the outbox soon after a job; failed/ (no limit) keeps its item.
    @Test func retentionEmptiesTheFoldersItKeepsFor() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, extra: ["--keep-done-days", "0.00002", "--keep-outbox-days", "0.00002"])
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 46), as: "kept.png")
        try daemon.drop(Data("not an image".utf8), as: "bad.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.failed).count == 2 })
        #expect(daemon.waitUntil(timeout: 30) {
            daemon.notify.lines.contains { $0.contains("(1 done, 1 failed)") }
                && daemon.names(daemon.done).isEmpty && daemon.names(daemon.outbox).isEmpty
        }, "done/: \(daemon.names(daemon.done)), outbox: \(daemon.names(daemon.outbox))")
        #expect(daemon.names(daemon.failed).count == 2)
        #expect(daemon.stop().status == 0)
    }
}
