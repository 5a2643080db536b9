import Engine
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built zsn2nd on temporary folders, with the real journald and a NOTIFY_SOCKET of our own.
/// Serialized: each test starts its own daemon, and timing assertions must not compete for 2 cores.
@Suite(.serialized) struct DaemonIntegrationTests {
    /// Every sidecar in the outbox validates against the published schema and names its files.
    private func expectValidSidecars(_ daemon: DaemonHarness, sourceLocation: SourceLocation = #_sourceLocation) {
        let sidecars = daemon.names(daemon.outbox).filter { $0.hasSuffix(".json") }
        guard !sidecars.isEmpty else { return }
        let failure = SchemaValidator.validate(
            documents: sidecars.map { daemon.outbox.appendingPathComponent($0).path },
            against: SchemaValidator.schema("zsn2n.sidecar-2.schema.json"))
        #expect(failure == nil, "\(failure ?? "")", sourceLocation: sourceLocation)
        for name in sidecars {
            let output = String(name.dropLast(".json".count))
            let doc = daemon.sidecar(output)
            #expect((doc?["output"] as? [String: Any])?["file"] as? String == output, sourceLocation: sourceLocation)
            #expect(FileManager.default.fileExists(atPath: daemon.outbox.appendingPathComponent(output).path),
                    "sidecar \(name) without its output", sourceLocation: sourceLocation)
        }
    }

    @Test(.enabled(if: JournalSupport.available, JournalSupport.unavailableReason),
          .enabled(if: SchemaValidator.available, "python3 jsonschema is needed to validate sidecars"))
    func filesDroppedByCopyRenameAndSlowWritesAreEachDenoisedOnce() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.4)
        let images = (1...4).map { TestImages.png(seed: UInt64($0)) }
        // In the backlog before start.
        try images[0].write(to: daemon.inbox.appendingPathComponent("backlog.png"))
        try daemon.start()
        #expect(daemon.waitReady(), "no READY=1; stderr: \(daemon.stderrText)")

        // By copy (cp opens, writes, closes: IN_CLOSE_WRITE).
        let outside = daemon.root.appendingPathComponent("outside.png")
        try images[1].write(to: outside)
        try FileManager.default.copyItem(at: outside, to: daemon.inbox.appendingPathComponent("copied.PNG"))

        // By rename from a temporary name, which must wait until renamed.
        let part = daemon.inbox.appendingPathComponent("renamed.png.part")
        try images[2].write(to: part)
        usleep(1_000_000)
        #expect(!daemon.names(daemon.outbox).contains { $0.hasPrefix("renamed") }, "took a .part file")
        try FileManager.default.moveItem(at: part, to: daemon.inbox.appendingPathComponent("renamed.png"))

        // Written slowly, in three chunks with pauses longer than the settle time.
        let slowPath = daemon.inbox.appendingPathComponent("slow.png")
        let fd = open(slowPath.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        let third = images[3].count / 3
        for (i, range) in [0..<third, third..<2 * third, 2 * third..<images[3].count].enumerated() {
            let chunk = images[3].subdata(in: range)
            #expect(chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == chunk.count)
            if i < 2 {
                usleep(1_000_000)
                #expect(FileManager.default.fileExists(atPath: slowPath.path), "a half-written file left the inbox")
                #expect(!FileManager.default.fileExists(atPath: daemon.outbox.appendingPathComponent("slow.png.json").path),
                        "a half-written file was taken")
            }
        }
        close(fd)

        let expected = ["backlog.png": images[0], "copied.PNG": images[1], "renamed.png": images[2], "slow.png": images[3]]
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.done).count == 4 },
                "done/: \(daemon.names(daemon.done)); stderr: \(daemon.stderrText)")
        #expect(daemon.names(daemon.done) == expected.keys.sorted())
        #expect(daemon.names(daemon.outbox) == expected.keys.sorted().flatMap { [$0, $0 + ".json"] }.sorted())
        #expect(daemon.names(daemon.inbox).isEmpty)
        for (name, data) in expected {
            let input = daemon.sidecar(name)?["input"] as? [String: Any]
            #expect(input?["file"] as? String == name)
            #expect(input?["sha256"] as? String == sha256(data), "sidecar of \(name) describes other bytes")
            #expect(try Data(contentsOf: daemon.done.appendingPathComponent(name)) == data)
        }
        expectValidSidecars(daemon)

        // STATUS= with the file and a percentage while working.
        #expect(daemon.notify.lines.contains { $0.hasPrefix("STATUS=Denoising ") && $0.hasSuffix("%") })

        let stop = daemon.stop()
        #expect(stop.exited && stop.status == 0)
        #expect(daemon.notify.count("STOPPING=1") == 1)

        // journald: one entry per event, structured.
        let entries = JournalSupport.waitForEntries(pid: daemon.pid) { entries in
            entries.filter { $0["ZSN2N_EVENT"] == "done" }.count >= 4
        }
        for name in expected.keys {
            let events = entries.filter { $0["ZSN2N_FILE"] == name }.compactMap { $0["ZSN2N_EVENT"] }
            #expect(events == ["queued", "started", "done"],
                    "events for \(name): \(events)")
        }
        let done = entries.filter { $0["ZSN2N_EVENT"] == "done" }
        #expect(done.count == 4)
        for entry in done {
            #expect(entry["MESSAGE_ID"] == "641bb66d0e6e4a0698f0ca91f04d3d56")
            #expect(entry["PRIORITY"] == "6")
            #expect(entry["SYSLOG_IDENTIFIER"] == "zsn2nd")
            // The method by name; a sampler only where the method has one (ZS-N2N).
            #expect(entry["ZSN2N_METHOD"] == "pixel-bank" && entry["ZSN2N_PRESET"] != nil)
            #expect(entry["ZSN2N_SAMPLER"] == nil)
            #expect(Double(entry["ZSN2N_SECONDS"] ?? "") != nil)
            #expect(entry["MESSAGE"]?.hasPrefix("done ") == true)
        }
    }

    @Test func burstOfFiftyFilesIsProcessedExactlyOnce() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2, iterations: 5)
        try daemon.start()
        #expect(daemon.waitReady())
        var expected: [String: String] = [:]
        for i in 0..<50 {
            let data = TestImages.png(size: 16, seed: UInt64(100 + i))
            let name = String(format: "burst-%02d.png", i)
            expected[name] = sha256(data)
            if i % 2 == 0 { try daemon.drop(data, as: name) } else {
                try data.write(to: daemon.inbox.appendingPathComponent(name))
            }
        }
        #expect(daemon.waitUntil(timeout: 120) { daemon.names(daemon.done).count >= 50 },
                "only \(daemon.names(daemon.done).count) of 50 done; stderr: \(daemon.stderrText.suffix(2000))")
        usleep(500_000)  // anything processed twice would show up now
        #expect(daemon.names(daemon.done) == expected.keys.sorted())
        #expect(daemon.names(daemon.outbox) == expected.keys.sorted().flatMap { [$0, $0 + ".json"] }.sorted())
        #expect(daemon.names(daemon.failed).isEmpty)
        for (name, digest) in expected {
            #expect((daemon.sidecar(name)?["input"] as? [String: Any])?["sha256"] as? String == digest)
        }
        let stop = daemon.stop()
        #expect(stop.status == 0)
    }

    @Test(.enabled(if: JournalSupport.available, JournalSupport.unavailableReason),
          .enabled(if: SchemaValidator.available, "python3 jsonschema is needed to validate error files"))
    func badFilesGoToFailedWithTheirReasonAndTheDaemonKeepsWorking() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2)
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(Data("this is not an image".utf8), as: "garbage.png")
        let png = TestImages.png(seed: 7)
        try daemon.drop(png.prefix(60), as: "truncated.png")
        try daemon.drop(Data(), as: "empty.jpg")  // waits: an empty file is never taken
        try FileManager.default.createSymbolicLink(atPath: daemon.inbox.appendingPathComponent("escape.png").path,
                                                   withDestinationPath: "/etc/passwd")
        try daemon.drop(png, as: "good.png")
        #expect(daemon.waitUntil(timeout: 60) {
            daemon.names(daemon.done) == ["good.png"] && daemon.names(daemon.failed).count == 6
        }, "failed/: \(daemon.names(daemon.failed)); stderr: \(daemon.stderrText)")
        #expect(daemon.names(daemon.failed) == ["escape.png", "garbage.png", "truncated.png"]
            .flatMap { [$0, $0 + ".error.json"] }.sorted())
        #expect(daemon.names(daemon.inbox) == ["empty.jpg"])
        // The symlink itself moved, never what it points to.
        let moved = try FileManager.default.destinationOfSymbolicLink(atPath: daemon.failed.appendingPathComponent("escape.png").path)
        #expect(moved == "/etc/passwd")
        let errors = daemon.names(daemon.failed).filter { $0.hasSuffix(".error.json") }
        let failure = SchemaValidator.validate(documents: errors.map { daemon.failed.appendingPathComponent($0).path },
                                               against: SchemaValidator.schema("zsn2n.error-1.schema.json"))
        #expect(failure == nil, "\(failure ?? "")")
        let garbage = try JSONSerialization.jsonObject(
            with: Data(contentsOf: daemon.failed.appendingPathComponent("garbage.png.error.json"))) as? [String: Any]
        #expect(garbage?["file"] as? String == "garbage.png")
        #expect((garbage?["reason"] as? String)?.isEmpty == false)
        #expect(daemon.stop().status == 0)
        let entries = JournalSupport.waitForEntries(pid: daemon.pid) { $0.filter { $0["ZSN2N_EVENT"] == "failed" }.count >= 3 }
        let failed = entries.filter { $0["ZSN2N_EVENT"] == "failed" }
        #expect(Set(failed.compactMap { $0["ZSN2N_FILE"] }) == ["garbage.png", "truncated.png", "escape.png"])
        for entry in failed {
            #expect(entry["MESSAGE_ID"] == "0540398a6e644a11860e76fa52296cc9")
            #expect(entry["PRIORITY"] == "3")
            #expect(entry["ZSN2N_REASON"]?.isEmpty == false)
            #expect(entry["ZSN2N_STAGE"] != nil)
        }
    }

    @Test func sigtermStopsMidTrainingWithinSecondsAndLeavesTheInput() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, iterations: 1_000_000)
        try daemon.start()
        #expect(daemon.waitReady())
        let data = TestImages.png(seed: 9)
        try daemon.drop(data, as: "long.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.notify.lines.contains { $0.hasPrefix("STATUS=Denoising long.png") } })
        usleep(500_000)
        let stop = daemon.stop(signal: SIGTERM, timeout: 10)
        #expect(stop.exited, "still running 10 s after SIGTERM")
        #expect(stop.status == 0)
        #expect(stop.seconds < 5, "took \(stop.seconds) s to stop")
        #expect(try Data(contentsOf: daemon.inbox.appendingPathComponent("long.png")) == data)
        #expect(daemon.allNames(daemon.outbox).filter { !$0.hasPrefix(".zsn2nd-ledger") }.isEmpty,
                "outbox: \(daemon.allNames(daemon.outbox))")
        #expect(daemon.notify.count("STOPPING=1") == 1)
    }

    @Test func watchdogIsKeptAliveDuringLongTraining() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, iterations: 1_000_000)
        daemon.environment["WATCHDOG_USEC"] = "200000"
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 11), as: "long.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.notify.lines.contains { $0.hasPrefix("STATUS=Denoising long.png") } })
        let before = daemon.notify.count("WATCHDOG=1")
        usleep(1_500_000)
        let during = daemon.notify.count("WATCHDOG=1") - before
        #expect(during >= 5, "only \(during) WATCHDOG=1 in 1.5 s of training with WatchdogSec=0.2s")
        #expect(daemon.stop().status == 0)
    }

    @Test func sighupReloadsAndABadConfigKeepsTheRunningOne() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2)
        let configFile = daemon.root.appendingPathComponent("zsn2nd.yaml")
        let second = daemon.root.appendingPathComponent("inbox2")
        try "inbox: \(daemon.inbox.path)\n".write(to: configFile, atomically: true, encoding: .utf8)
        // The folders other than the inbox stay on the command line; the inbox comes from the file.
        daemon.arguments = Array(daemon.arguments.dropFirst(2)) + ["--config", configFile.path]
        try daemon.start()
        #expect(daemon.waitReady())
        try "inbox: \(second.path)\n".write(to: configFile, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        #expect(daemon.waitReady(count: 2), "no READY=1 after the reload")
        #expect(daemon.notify.count("RELOADING=1") == 1)
        try TestImages.png(seed: 12).write(to: second.appendingPathComponent("moved-inbox.png"))
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["moved-inbox.png"] })

        try "inbox: \(daemon.inbox.path)\nbogus_key: 1\n".write(to: configFile, atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        #expect(daemon.waitReady(count: 3))
        #expect(daemon.waitUntil(timeout: 5) { daemon.stderrText.contains("bogus_key") || JournalSupport.available })
        try TestImages.png(seed: 13).write(to: second.appendingPathComponent("still-second.png"))
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done).contains("still-second.png") },
                "a bad config replaced the running one")
        #expect(daemon.stop().status == 0)
    }

    @Test func keptOriginalsAreNotDenoisedAgainAfterARestart() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2, extra: ["--after", "keep"])
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 14), as: "keep.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.outbox) == ["keep.png", "keep.png.json"] })
        #expect(daemon.stop().status == 0)
        try daemon.start()
        #expect(daemon.waitReady(count: 2))
        usleep(1_500_000)
        #expect(daemon.names(daemon.outbox) == ["keep.png", "keep.png.json"], "a kept file was denoised again")
        #expect(daemon.names(daemon.inbox) == ["keep.png"])
        // The same name with new content is new work.
        try daemon.drop(TestImages.png(seed: 15), as: "keep.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.outbox).count == 4 })
        #expect(daemon.names(daemon.outbox) == ["keep-1.png", "keep-1.png.json", "keep.png", "keep.png.json"])
        #expect(daemon.stop().status == 0)
    }

    /// kill -9 at random instants while jobs run, restart, several cycles: every input ends in
    /// done/ exactly once with exactly one output and one sidecar; nothing lost, nothing doubled, and
    /// at no instant a partial file under a final name.
    @Test func killNineAtRandomInstantsLosesAndDuplicatesNothing() throws {
        let cycles = 12
        var generator = Random(seed: 20251125)  // seeded, so a failing kill schedule can be replayed
        // A job lasts about a second (600 iterations of a 48x48 image on one thread), longer than
        // most cycles, so that work is left for every cycle's kill to interrupt.
        let daemon = try DaemonHarness(settleSeconds: 0.05, iterations: 600)
        var expected: [String: Data] = [:]
        var killedMidJob = 0
        for i in 0..<6 {
            let data = TestImages.png(size: 48, seed: UInt64(200 + i))
            expected[String(format: "kill-%d.png", i)] = data
            try data.write(to: daemon.inbox.appendingPathComponent(String(format: "kill-%d.png", i)))
        }
        let inputsByDigest = Dictionary(uniqueKeysWithValues: expected.map { (sha256($0.value), $0.key) })
        var aimedMidTraining = 0
        for cycle in 1...cycles {
            let seen = daemon.notify.lines.count
            try daemon.start()
            let instant = Double.random(in: 0.05...1.2, using: &generator)
            if cycle % 2 == 0 {
                // Aimed: once this run reports training progress, kill a random instant later.
                let training = daemon.waitUntil(timeout: 10) {
                    daemon.notify.lines.dropFirst(seen).contains { $0.hasPrefix("STATUS=Denoising") }
                } && !daemon.names(daemon.inbox).isEmpty
                if training { aimedMidTraining += 1 }
                usleep(UInt32(instant / 4 * 1_000_000))
            } else {
                usleep(UInt32(instant * 1_000_000))  // blind: any instant, start-up and idle included
            }
            daemon.killNow()
            // Was a job running at the instant of the kill? (its last event is "started")
            if JournalSupport.available {
                usleep(200_000)  // let journald store what was sent before the kill
                let events = JournalSupport.entries(pid: daemon.pid)
                    .compactMap { $0["ZSN2N_EVENT"] }.filter { ["started", "done", "failed"].contains($0) }
                if events.last == "started" { killedMidJob += 1 }
            }
            // Between kills: every final name in the outbox is a whole file: a sidecar that parses
            // and names a whole output; an output equal in size to a finished one.
            for name in daemon.names(daemon.outbox) where name.hasSuffix(".json") {
                let doc = daemon.sidecar(String(name.dropLast(5)))
                #expect(doc != nil, "cycle \(cycle): \(name) is not whole JSON")
            }
            for name in daemon.names(daemon.outbox) where !name.hasSuffix(".json") {
                let data = try Data(contentsOf: daemon.outbox.appendingPathComponent(name))
                #expect(data.count > 8 && data.suffix(8) == Data([0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]),
                        "cycle \(cycle): \(name) is not a whole PNG")
            }
            // Nothing lost: every input is in the inbox or in done/.
            let present = Set(daemon.names(daemon.inbox) + daemon.names(daemon.done))
            #expect(Set(expected.keys).isSubset(of: present), "cycle \(cycle): lost \(Set(expected.keys).subtracting(present))")
        }
        #expect(aimedMidTraining >= 1, "no kill was aimed at a running job")
        if JournalSupport.available { #expect(killedMidJob >= 1, "the journal shows no kill that hit a running job") }
        print("kill -9 test: \(cycles) cycles, \(aimedMidTraining) aimed at running training, "
              + "\(killedMidJob) with a job started and not finished per the journal")
        // A last run to completion.
        try daemon.start()
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.inbox).isEmpty && daemon.names(daemon.done).count == 6 },
                "inbox: \(daemon.names(daemon.inbox)) done: \(daemon.names(daemon.done))")
        usleep(300_000)
        #expect(daemon.stop().status == 0)

        #expect(daemon.names(daemon.done) == expected.keys.sorted(), "done/: \(daemon.names(daemon.done))")
        #expect(daemon.names(daemon.outbox) == expected.keys.sorted().flatMap { [$0, $0 + ".json"] }.sorted(),
                "outbox: \(daemon.names(daemon.outbox))")
        #expect(daemon.names(daemon.failed).isEmpty)
        #expect(!daemon.allNames(daemon.outbox).contains { $0.hasPrefix(".zsn2nd-tmp") })
        for (name, data) in expected {
            #expect(try Data(contentsOf: daemon.done.appendingPathComponent(name)) == data, "\(name) changed")
            let input = daemon.sidecar(name)?["input"] as? [String: Any]
            #expect(inputsByDigest[input?["sha256"] as? String ?? ""] == name, "sidecar of \(name) describes another file")
        }
    }
}
