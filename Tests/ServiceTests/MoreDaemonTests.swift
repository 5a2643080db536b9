import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DaemonIntegrationTests {
    /// A clean image of the same name in the reference folder fills the sidecar's reference block.
    @Test(.enabled(if: SchemaValidator.available, "python3 jsonschema is needed to validate sidecars"))
    func referenceFolderAddsPSNRAndSSIM() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        let reference = daemon.root.appendingPathComponent("clean")
        try FileManager.default.createDirectory(at: reference, withIntermediateDirectories: true)
        daemon.arguments += ["--reference", reference.path]
        try TestImages.png(seed: 40).write(to: reference.appendingPathComponent("measured.png"))
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 41), as: "measured.png")
        try daemon.drop(TestImages.png(seed: 42), as: "unmeasured.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done).count == 2 })
        let measured = (daemon.sidecar("measured.png")?["metrics"] as? [String: Any])?["reference"] as? [String: Any]
        #expect(measured?["file"] as? String == "measured.png")
        #expect(measured?["psnr_input"] is Double && measured?["ssim_output"] is Double)
        let unmeasured = (daemon.sidecar("unmeasured.png")?["metrics"] as? [String: Any])?["reference"]
        #expect(unmeasured is NSNull)
        let failure = SchemaValidator.validate(
            documents: ["measured.png.json", "unmeasured.png.json"].map { daemon.outbox.appendingPathComponent($0).path },
            against: SchemaValidator.schema("zsn2n.sidecar-2.schema.json"))
        #expect(failure == nil, "\(failure ?? "")")
        #expect(daemon.stop().status == 0)
    }

    /// Dropped TIFFs (16-bit LZW, 32-bit float, .tif and .TIFF) come out as 16-bit TIFFs with
    /// sidecars that validate; a multi-page TIFF goes to failed/ with the reason.
    @Test(.enabled(if: SchemaValidator.available, "python3 jsonschema is needed to validate sidecars"))
    func tiffsAreDenoisedAsTIFFAndMultiPageIsRefused() throws {
        let fixtures = SchemaValidator.repository.appendingPathComponent("Tests/ImagingTests/Fixtures")
        func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(fixture("gray16_strips_lzw_be.tif"), as: "deep.tif")
        try daemon.drop(fixture("gray32f_strips_deflate.tif"), as: "float.TIFF")
        try daemon.drop(fixture("gray8_two_pages.tif"), as: "stack.tif")
        try daemon.drop(fixture("gray16_3_channels.tif"), as: "dyes.tif")
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.done).count == 2 && daemon.names(daemon.failed).count == 4 })
        for (name, depth) in [("deep.tif", 16), ("float.TIFF", 32)] {
            let doc = daemon.sidecar(name)
            let input = doc?["input"] as? [String: Any], output = doc?["output"] as? [String: Any]
            #expect(input?["format"] as? String == "tiff" && input?["bit_depth"] as? Int == depth, "\(name): \(input ?? [:])")
            #expect(output?["format"] as? String == "tiff" && output?["bit_depth"] as? Int == 16, "\(name): \(output ?? [:])")
            let bytes = try Data(contentsOf: daemon.outbox.appendingPathComponent(name))
            #expect(bytes.prefix(4) == Data([0x4D, 0x4D, 0, 42]) || bytes.prefix(4) == Data([0x49, 0x49, 42, 0]), "\(name) is not a TIFF")
        }
        let failure = SchemaValidator.validate(
            documents: ["deep.tif.json", "float.TIFF.json"].map { daemon.outbox.appendingPathComponent($0).path },
            against: SchemaValidator.schema("zsn2n.sidecar-2.schema.json"))
        #expect(failure == nil, "\(failure ?? "")")
        let error = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.failed.appendingPathComponent("stack.tif.error.json"))) as? [String: Any]
        #expect(error?["file"] as? String == "stack.tif")
        #expect((error?["reason"] as? String)?.hasPrefix("unsupported TIFF: multi-page TIFF") == true, "\(error ?? [:])")
        // Three channels as one gray image: refused, not written back as one channel.
        let dyes = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.failed.appendingPathComponent("dyes.tif.error.json"))) as? [String: Any]
        #expect((dyes?["reason"] as? String)?.hasPrefix("unsupported TIFF: 3 samples per pixel: 2 channels besides the gray would be lost") == true,
                "\(dyes ?? [:])")
        #expect(!FileManager.default.fileExists(atPath: daemon.outbox.appendingPathComponent("dyes.tif").path))
        #expect(daemon.stop().status == 0)
    }

    /// A sampler declared in the config file trains like the built-in with the same kernels: the
    /// paper's pair declared under another name gives the same output, byte for byte.
    @Test func aSamplerDeclaredInTheConfigIsUsedByName() throws {
        let input = TestImages.png(seed: 43)
        var outputs: [Data] = []
        for sampler in ["diagonal", "original"] {
            let daemon = try DaemonHarness(settleSeconds: 0.1)
            let config = daemon.root.appendingPathComponent("zsn2nd.yaml")
            try """
                declare:
                  - {name: diagonal, k1: [[0, 0.5], [0.5, 0]], k2: [[0.5, 0], [0, 0.5]], stride: 2, divisor: 1}
                method: zs-n2n
                sampler: \(sampler)
                """.write(to: config, atomically: true, encoding: .utf8)
            daemon.arguments += ["--config", config.path]
            try daemon.start()
            #expect(daemon.waitReady())
            try daemon.drop(input, as: "pair.png")
            #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["pair.png"] })
            let denoiser = daemon.sidecar("pair.png")?["denoiser"] as? [String: Any]
            #expect(denoiser?["sampler"] as? String == sampler)
            #expect(denoiser?["method"] as? String == "zs-n2n" && denoiser?["pixel_bank"] == nil)
            // A declared sampler's kernels are in the sidecar; a built-in's are not.
            let declared = denoiser?["declared"] as? [String: Any]
            #expect(sampler == "original" ? declared == nil : declared?["k1"] as? [[Double]] == [[0, 0.5], [0.5, 0]])
            let failure = SchemaValidator.validate(documents: [daemon.outbox.appendingPathComponent("pair.png.json").path],
                                                   against: SchemaValidator.schema("zsn2n.sidecar-2.schema.json"))
            #expect(failure == nil, "\(failure ?? "")")
            outputs.append(try Data(contentsOf: daemon.outbox.appendingPathComponent("pair.png")))
            #expect(daemon.stop().status == 0)
        }
        #expect(outputs.count == 2 && outputs[0] == outputs[1])
    }

    /// The training keys the daemon shares with the CLI take effect, from each layer: the sidecar
    /// says what the job was trained with.
    @Test func trainingKeysReachTheJob() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, extra: ["--crop", "16"])
        let config = daemon.root.appendingPathComponent("zsn2nd.yaml")
        try "batch: 3\nlearning_rate: 0.0025\n".write(to: config, atomically: true, encoding: .utf8)
        daemon.arguments += ["--config", config.path]
        daemon.environment["ZSN2N_BANK_STRIDE"] = "2"
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 44), as: "trained.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["trained.png"] })
        let denoiser = daemon.sidecar("trained.png")?["denoiser"] as? [String: Any]
        #expect(denoiser?["method"] as? String == "pixel-bank")
        #expect(denoiser?["crop"] as? Int == 16, "\(denoiser ?? [:])")
        #expect(denoiser?["batch"] as? Int == 3, "\(denoiser ?? [:])")
        #expect(denoiser?["learning_rate"] as? Double == 0.0025, "\(denoiser ?? [:])")
        let bank = denoiser?["pixel_bank"] as? [String: Any]
        #expect(bank?["stride"] as? Int == 2 && bank?["stride_measured"] as? Bool == false, "\(bank ?? [:])")
        #expect(daemon.stop().status == 0)
    }

    @Test func twoJobsAtOnceStillTakeEachFileOnce() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, iterations: 30, extra: ["--concurrency", "2"])
        daemon.arguments.removeAll { $0 == "--threads" || $0 == "1" }
        try daemon.start()
        #expect(daemon.waitReady())
        let names = (0..<8).map { "pair-\($0).png" }
        for (i, name) in names.enumerated() { try daemon.drop(TestImages.png(seed: UInt64(50 + i)), as: name) }
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.done).count == 8 })
        usleep(300_000)
        #expect(daemon.names(daemon.done) == names.sorted())
        #expect(daemon.names(daemon.outbox) == names.sorted().flatMap { [$0, $0 + ".json"] }.sorted())
        #expect(daemon.stop().status == 0)
    }

    /// With the daemon stopped (SIGSTOP) and a tiny inotify queue, a burst overflows the queue; the
    /// daemon must notice (IN_Q_OVERFLOW), list the inbox again and still take every file.
    @Test(.enabled(if: getuid() == 0, "needs root to lower fs.inotify.max_queued_events"))
    func inotifyOverflowTriggersARescan() throws {
        let limitPath = "/proc/sys/fs/inotify/max_queued_events"
        let saved = try String(contentsOfFile: limitPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let daemon = try DaemonHarness(settleSeconds: 0.1, iterations: 5)
        // The limit is read when the daemon creates its inotify instance: lower it just for that.
        try "8".write(toFile: limitPath, atomically: false, encoding: .utf8)
        defer { try? saved.write(toFile: limitPath, atomically: false, encoding: .utf8) }
        try daemon.start()
        let ready = daemon.waitReady()
        try saved.write(toFile: limitPath, atomically: false, encoding: .utf8)
        #expect(ready)
        kill(daemon.pid, SIGSTOP)
        let names = (0..<30).map { String(format: "flood-%02d.png", $0) }
        for (i, name) in names.enumerated() { try daemon.drop(TestImages.png(size: 16, seed: UInt64(60 + i)), as: name) }
        kill(daemon.pid, SIGCONT)
        #expect(daemon.waitUntil(timeout: 60) { daemon.names(daemon.done).count == 30 },
                "done: \(daemon.names(daemon.done).count) of 30")
        #expect(daemon.names(daemon.done) == names)
        #expect(daemon.stop().status == 0)
        if JournalSupport.available {
            let entries = JournalSupport.waitForEntries(pid: daemon.pid) { $0.contains { $0["ZSN2N_EVENT"] == "rescan" } }
            #expect(entries.contains { $0["ZSN2N_EVENT"] == "rescan" }, "no rescan logged after the overflow")
        }
    }

    /// Without a journal socket the same events go to stderr, one line each. The socket is hidden
    /// by an empty tmpfs over /run/systemd/journal in a private mount namespace.
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
                   "needs root and unshare to hide the journal socket"))
    func withoutAJournalEventsGoToStderr() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1)
        daemon.launcher = ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                           #"mkdir -p /run/systemd/journal && mount -t tmpfs none /run/systemd/journal && exec "$0" "$@""#]
        try daemon.start()
        #expect(daemon.waitReady(), "\(daemon.stderrText)")
        try daemon.drop(TestImages.png(seed: 70), as: "plain.png")
        try daemon.drop(Data("junk".utf8), as: "junk.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.done) == ["plain.png"] && daemon.names(daemon.failed).count == 2 })
        #expect(daemon.stop().status == 0)
        let text = daemon.stderrText
        let pid = daemon.pid
        #expect(text.contains("zsn2nd[\(pid)] info: queued plain.png"), "\(text)")
        #expect(text.contains("zsn2nd[\(pid)] info: done plain.png -> plain.png"), "\(text)")
        #expect(text.contains("zsn2nd[\(pid)] err: failed junk.png (decode)"), "\(text)")
        #expect(text.contains("zsn2nd[\(pid)] info: stopped"))
    }

    @Test func withNothingGivenItRunsOnFoldersInTheWorkingDirectory() throws {
        let daemon = try DaemonHarness()
        daemon.arguments = []
        daemon.workingDirectory = daemon.root
        try daemon.start()
        #expect(daemon.waitReady(), "\(daemon.stderrText)")
        for folder in ["inbox", "outbox", "done", "failed"] {
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: daemon.root.appendingPathComponent(folder).path, isDirectory: &isDirectory)
                    && isDirectory.boolValue, "no ./\(folder)")
        }
        #expect(daemon.stop().status == 0)
    }

    @Test func aBadConfigurationStopsTheStartWithExit78NamingTheKey() throws {
        let daemon = try DaemonHarness()
        let file = daemon.root.appendingPathComponent("bad.yaml")
        try "inbox: in\nconcurency: 2\n".write(to: file, atomically: true, encoding: .utf8)
        daemon.arguments = ["--config", file.path]
        try daemon.start()
        #expect(daemon.waitUntil(timeout: 10) { !(daemon.process?.isRunning ?? true) })
        daemon.process?.waitUntilExit()
        #expect(daemon.process?.terminationStatus == 78)
        #expect(daemon.stderrText.contains("config key 'concurency' (file \(file.path), line 2): unknown key"), "\(daemon.stderrText)")
    }

    @Test func afterDeleteRemovesTheOriginalOnceCommitted() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.1, extra: ["--after", "delete"])
        try daemon.start()
        #expect(daemon.waitReady())
        try daemon.drop(TestImages.png(seed: 80), as: "gone.png")
        #expect(daemon.waitUntil(timeout: 30) { daemon.names(daemon.outbox) == ["gone.png", "gone.png.json"] })
        #expect(daemon.waitUntil(timeout: 5) { daemon.names(daemon.inbox).isEmpty })
        #expect(daemon.names(daemon.done).isEmpty)
        #expect(daemon.stop().status == 0)
    }
}

extension DaemonIntegrationTests {
    /// An empty file that stays empty is refused into failed/ once `empty_timeout_seconds` passed;
    /// one that gets its content within the timeout is denoised as usual.
    @Test func anEmptyFileThatStaysEmptyIsRefusedAfterTheTimeout() throws {
        let daemon = try DaemonHarness(settleSeconds: 0.2, extra: ["--empty-timeout-seconds", "2"])
        try daemon.start()
        #expect(daemon.waitReady())
        let started = Date()
        try daemon.drop(Data(), as: "stays.png")
        try daemon.drop(Data(), as: "grows.png")
        usleep(700_000)
        #expect(daemon.names(daemon.failed).isEmpty, "refused before the timeout")
        try TestImages.png(seed: 71).write(to: daemon.inbox.appendingPathComponent("grows.png"))
        #expect(daemon.waitUntil(timeout: 30) {
            daemon.names(daemon.failed).contains("stays.png") && daemon.names(daemon.done) == ["grows.png"]
        }, "failed/: \(daemon.names(daemon.failed)), done/: \(daemon.names(daemon.done)); stderr: \(daemon.stderrText)")
        #expect(Date().timeIntervalSince(started) >= 2, "refused before empty_timeout_seconds")
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: daemon.failed.appendingPathComponent("stays.png.error.json"))) as? [String: Any]
        #expect((document?["reason"] as? String)?.contains("empty file (0 bytes) that stayed empty for 2 s") == true, "\(String(describing: document))")
        #expect(document?["stage"] as? String == "open")
        #expect(daemon.names(daemon.inbox).isEmpty)
        #expect(daemon.stop().status == 0)
    }
}
