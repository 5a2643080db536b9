import Foundation
import Platform
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonIntegrationTests {
    /// Everything scripts/hostile-corpus.py makes (damaged, lying, odd and odd-named files), plus
    /// the special cases only a live folder can show (a symlink out, a folder and a FIFO with image
    /// names, an empty file, a file still growing, files deleted or replaced while queued or
    /// training, the inbox removed and made again), dropped into one running zsn2nd. Each input
    /// ends denoised or refused into failed/ with its NAME.error.json, nothing is left behind, and
    /// the daemon still takes a good file dropped after all the others.
    @Test(.enabled(if: JournalSupport.available, JournalSupport.unavailableReason))
    func aHostileCorpusIsEachDenoisedOrRefusedAndTheDaemonGoesOn() throws {
        // ZS-N2N: the corpus is about files, and its 9-megapixel zlib bomb would spend minutes in
        // the pixel-bank method's output passes (their cost: docs/method.md, "The pixel-bank method").
        let daemon = try DaemonHarness(settleSeconds: 0.5, iterations: 150,
                                       extra: ["--empty-timeout-seconds", "3", "--preset", "fast", "--method", "zs-n2n"])
        let staging = daemon.root.appendingPathComponent("staging")
        let manifestPath = daemon.root.appendingPathComponent("manifest.json")
        let script = SchemaValidator.repository.appendingPathComponent("scripts/hostile-corpus.py").path
        #expect(run(["/usr/bin/env", "python3", script, staging.path, "--manifest", manifestPath.path]) == 0)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: manifestPath)) as? [[String: String]])
        var expected: [String: String] = [:]  // escaped name -> done | failed | either
        for entry in manifest { expected[FileName(bytes: hexBytes(entry["name"]!)).escaped] = entry["expect"]! }

        try daemon.start()
        #expect(daemon.waitReady(), "no READY=1; stderr: \(daemon.stderrText)")
        // The whole corpus at once, by rename (mv keeps every name's bytes).
        #expect(run(["/bin/sh", "-c", "mv \"$0\"/* \"$1\"/", staging.path, daemon.inbox.path]) == 0)

        // A symlink out of the inbox, a folder and a FIFO named like images, an empty file.
        try FileManager.default.createSymbolicLink(atPath: daemon.inbox.appendingPathComponent("escape.png").path, withDestinationPath: "/etc/passwd")
        try FileManager.default.createDirectory(at: daemon.inbox.appendingPathComponent("folder.png"), withIntermediateDirectories: false)
        #expect(mkfifo(daemon.inbox.appendingPathComponent("fifo.png").path, 0o644) == 0)
        try Data().write(to: daemon.inbox.appendingPathComponent("empty.png"))
        expected["escape.png"] = "failed"; expected["fifo.png"] = "failed"; expected["empty.png"] = "failed"

        // Deleted while queued, and replaced while training (it is then taken again, as the new bytes).
        try daemon.drop(TestImages.png(size: 48, seed: 81), as: "deleted.png")
        try FileManager.default.removeItem(at: daemon.inbox.appendingPathComponent("deleted.png"))
        let replacement = TestImages.png(size: 40, seed: 83)
        try daemon.drop(TestImages.png(size: 64, seed: 82), as: "replaced.png")
        expected["replaced.png"] = "done"

        // A file that keeps growing, a chunk every 0.2 s for 4 s (longer than the settle time).
        let growing = TestImages.png(size: 64, seed: 84)
        let fd = open(daemon.inbox.appendingPathComponent("growing.png").path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        #expect(fd >= 0)
        let chunks = 20, step = (growing.count + chunks - 1) / chunks
        for i in 0..<chunks {
            let chunk = growing.subdata(in: (i * step)..<min(growing.count, (i + 1) * step))
            #expect(chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } == chunk.count)
            usleep(200_000)
            if i == 5 {
                // Meanwhile: replace replaced.png while it trains or waits.
                try daemon.drop(replacement, as: "replaced.png")
            }
        }
        close(fd)
        expected["growing.png"] = "done"

        // Replaced, and deleted, while training: each waits for its own STATUS, then changes.
        let retrained = TestImages.png(size: 40, seed: 86)
        for (name, seed) in [("train-replaced.png", UInt64(87)), ("train-deleted.png", UInt64(88))] {
            try daemon.drop(TestImages.png(size: 96, seed: seed), as: name)
            #expect(daemon.waitUntil(timeout: 120) { daemon.notify.lines.contains { $0.hasPrefix("STATUS=Denoising \(name)") } },
                    "\(name) never trained")
            if name == "train-replaced.png" {
                try daemon.drop(retrained, as: name)
            } else {
                try FileManager.default.removeItem(at: daemon.inbox.appendingPathComponent(name))
            }
        }
        expected["train-replaced.png"] = "done"

        // Wait for the inbox to drain (the folder stays: subfolders are ignored).
        let drained = daemon.waitUntil(timeout: 240) { daemon.allNames(daemon.inbox) == ["folder.png"] }
        #expect(drained, "left in the inbox: \(daemon.allNames(daemon.inbox))")

        // The inbox removed and made again: the daemon watches the new one.
        try FileManager.default.removeItem(at: daemon.inbox)
        #expect(daemon.waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: daemon.inbox.path) },
                "the daemon did not recreate its inbox")
        usleep(500_000)
        try daemon.drop(TestImages.png(seed: 85), as: "last.png")
        expected["last.png"] = "done"
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.done).contains("last.png") },
                "the good file dropped last was not denoised; stderr: \(daemon.stderrText)")
        #expect(daemon.process?.isRunning == true)

        // Every input where it belongs, once, with its document.
        var outcome: [String: String] = [:]
        for name in daemon.names(daemon.outbox) where name.hasSuffix(".json") {
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.outbox.appendingPathComponent(name))) as? [String: Any]
            let file = try #require((doc?["input"] as? [String: Any])?["file"] as? String)
            #expect(outcome[file] == nil, "\(file) denoised twice")
            outcome[file] = "done"
        }
        for name in daemon.names(daemon.failed) where name.hasSuffix(".error.json") {
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.failed.appendingPathComponent(name))) as? [String: Any]
            let file = try #require(doc?["file"] as? String)
            let reason = doc?["reason"] as? String ?? ""
            #expect(!reason.isEmpty, "\(name) gives no reason")
            #expect(outcome[file] == nil, "\(file) both denoised and refused, or refused twice")
            outcome[file] = "failed"
        }
        for (name, expect) in expected {
            #expect(outcome[name] != nil, "\(name): neither denoised nor refused")
            if expect != "either", let got = outcome[name] { #expect(got == expect, "\(name): \(got), expected \(expect)") }
        }
        #expect(Set(outcome.keys).subtracting(expected.keys).isEmpty, "unexpected: \(Set(outcome.keys).subtracting(expected.keys))")
        #expect(outcome["deleted.png"] == nil)
        // replaced.png was denoised as its new bytes.
        let replaced = daemon.names(daemon.outbox).first { $0.hasPrefix("replaced") && $0.hasSuffix(".json") }
        let replacedDoc = try replaced.map { try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.outbox.appendingPathComponent($0))) as? [String: Any] }
        #expect((replacedDoc??["input"] as? [String: Any])?["sha256"] as? String == sha256(replacement))
        let retrainedDoc = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.outbox.appendingPathComponent("train-replaced.png.json"))) as? [String: Any]
        #expect((retrainedDoc?["input"] as? [String: Any])?["sha256"] as? String == sha256(retrained))
        #expect(outcome["train-deleted.png"] == nil)
        for folder in [daemon.outbox, daemon.done, daemon.failed] {
            #expect(!daemon.allNames(folder).contains { $0.hasPrefix(".zsn2nd-tmp-") }, "temporary files left in \(folder.lastPathComponent)")
        }
        #expect(daemon.stop().status == 0)
    }

    private func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    private func run(_ command: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
