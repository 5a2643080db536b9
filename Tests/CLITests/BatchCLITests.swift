import Foundation
import Testing
import Imaging
#if canImport(Glibc)
import Glibc
#endif

/// `zsn2n denoise` on many files and folders, and what it refuses to write over.
struct BatchCLITests {
    /// A folder with two good images and a bad one.
    private func folder() throws -> (dir: URL, inputs: URL) {
        let dir = try CLI.temporaryDirectory()
        let inputs = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.fixture("camera64.png"), toPath: inputs.appendingPathComponent("a.png").path)
        try FileManager.default.copyItem(atPath: CLI.fixture("astronaut64.png"), toPath: inputs.appendingPathComponent("b.png").path)
        try Data("not an image".utf8).write(to: inputs.appendingPathComponent("c.png"))
        try Data("notes".utf8).write(to: inputs.appendingPathComponent("notes.txt"))
        return (dir, inputs)
    }

    private func names(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    @Test("a folder into --output-dir: one output and sidecar per image, one failure reported, exit 1")
    func folderIntoOutputDir() throws {
        let (dir, inputs) = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let extra = dir.appendingPathComponent("a.png")  // a second "a.png", given as a file
        try FileManager.default.copyItem(atPath: CLI.fixture("camera64.png"), toPath: extra.path)
        let r = try CLI.run(["denoise", inputs.path, extra.path, "--output-dir", out.path, "--iterations", "3"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(names(out) == ["a-1.png", "a-1.png.json", "a.png", "a.png.json", "b.png", "b.png.json"])
        #expect(r.stderr.contains("c.png: not a PNG, JPEG or TIFF file"))
        #expect(r.stderr.contains("3 denoised, 1 failed, 0 skipped"), "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("b.png.json"))) as? [String: Any])
        #expect((doc["output"] as? [String: Any])?["file"] as? String == "b.png")
        #expect(names(inputs) == ["a.png", "b.png", "c.png", "notes.txt"])  // inputs untouched

        // Again: every output exists. Refused without --force, skipped with --skip-existing.
        let before = try Data(contentsOf: out.appendingPathComponent("a.png"))
        let again = try CLI.run(["denoise", inputs.appendingPathComponent("a.png").path, "--output-dir", out.path, "--iterations", "3", "--seed", "9"])
        #expect(again.status == 1 && again.stderr.contains("exists; --force replaces it"), "\(again.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("a.png")) == before)
        let skip = try CLI.run(["denoise", inputs.appendingPathComponent("a.png").path, "--output-dir", out.path, "--skip-existing"])
        #expect(skip.status == 0, "\(skip.stderr)")
        let forced = try CLI.run(["denoise", inputs.appendingPathComponent("a.png").path, "--output-dir", out.path, "--iterations", "3", "--seed", "9", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("a.png")) != before)
    }

    @Test("an input is never written over, by its name, a symlink or a hard link, even with --force")
    func neverOverwritesTheInput() throws {
        let (dir, inputs) = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = inputs.appendingPathComponent("a.png")
        let original = try Data(contentsOf: a)
        #expect(symlink(a.path, dir.appendingPathComponent("link.png").path) == 0)
        #expect(link(a.path, dir.appendingPathComponent("hard.png").path) == 0)
        for (input, output) in [(a.path, a.path), (dir.appendingPathComponent("link.png").path, a.path),
                                (dir.appendingPathComponent("hard.png").path, a.path), (a.path, dir.appendingPathComponent("hard.png").path)] {
            let r = try CLI.run(["denoise", input, "-o", output, "--force", "--iterations", "2"])
            #expect(r.status == 1 && r.stderr.contains("would overwrite the input"), "\(input) -> \(output): \(r.stderr)")
        }
        #expect(try Data(contentsOf: a) == original)
        let noise = try CLI.run(["noise", a.path, "-o", dir.appendingPathComponent("hard.png").path, "--model", "gauss:25", "--force"])
        #expect(noise.status != 0 && noise.stderr.contains("would overwrite the input"), "\(noise.stderr)")
        #expect(try Data(contentsOf: a) == original)
        let exists = try CLI.run(["noise", a.path, "-o", inputs.appendingPathComponent("b.png").path, "--model", "gauss:25"])
        #expect(exists.status != 0 && exists.stderr.contains("exists"), "\(exists.stderr)")
    }

    @Test("a missing output folder is found before training; a format no extension names is refused")
    func outputChecks() throws {
        let (dir, inputs) = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = inputs.appendingPathComponent("a.png").path
        let start = Date()
        let missing = try CLI.run(["denoise", a, "-o", dir.appendingPathComponent("nowhere/x.png").path, "--iterations", "100000"])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        #expect(Date().timeIntervalSince(start) < 20, "refused only after training")
        let bmp = try CLI.run(["denoise", a, "-o", dir.appendingPathComponent("x.bmp").path])
        #expect(bmp.status == 64 && bmp.stderr.contains("cannot write '.bmp' files"), "\(bmp.stderr)")
        // -o x.tiff / x.TIF write TIFF, and a 16-bit input stays 16-bit there.
        let deep = dir.appendingPathComponent("deep16.png").path
        try ImageIO.write(levelImage16(), to: deep, format: .png, bitDepth: 16)
        for name in ["x.tiff", "y.TIF"] {
            let out = dir.appendingPathComponent(name).path
            let r = try CLI.run(["denoise", deep, "-o", out, "--iterations", "2"])
            #expect(r.status == 0, "\(r.stderr)")
            let info = try ImageIO.read(out).info
            #expect(info.format == .tiff && info.bitDepth == 16 && info.colorType == "rgb", "\(info)")
        }
        let jpeg = dir.appendingPathComponent("x.jpg").path
        let converted = try CLI.run(["denoise", a, "-o", jpeg, "--iterations", "2"])
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(try ImageIO.read(jpeg).info.format == .jpeg)
        let negative = try CLI.run(["denoise", a, "--iterations", "-5"])
        #expect(negative.status == 64 && negative.stderr.contains("--iterations: must be at least 1, got -5"), "\(negative.stderr)")
        let many = try CLI.run(["denoise", inputs.path, "-o", jpeg])
        #expect(many.status == 64 && many.stderr.contains("-o takes one input"), "\(many.stderr)")
    }

    @Test("shards split the sorted files with no overlap, from --shard, Slurm and Kubernetes")
    func shards() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for i in 0..<5 { try FileManager.default.copyItem(atPath: CLI.fixture("camera64.png"), toPath: inputs.appendingPathComponent("f\(i).png").path) }
        var seen: [String] = []
        for (k, environment) in [(0, ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"]),
                                 (1, ["JOB_COMPLETION_INDEX": "1", "ZSN2N_SHARD_COUNT": "3"]), (2, [:])] {
            let out = dir.appendingPathComponent("out\(k)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let shard = environment.isEmpty ? ["--shard", "2/3"] : []
            let r = try CLI.run(["denoise", inputs.path, "--output-dir", out.path, "--iterations", "2"] + shard, environment: environment)
            #expect(r.status == 0, "\(r.stderr)")
            let got = names(out).filter { $0.hasSuffix(".png") }
            #expect(got == (0..<5).filter { $0 % 3 == k }.map { "f\($0).png" }, "shard \(k): \(got)")
            seen += got
        }
        #expect(seen.sorted() == (0..<5).map { "f\($0).png" })
        let noCount = try CLI.run(["denoise", inputs.path, "--output-dir", dir.path], environment: ["JOB_COMPLETION_INDEX": "0"])
        #expect(noCount.status == 64 && noCount.stderr.contains("ZSN2N_SHARD_COUNT"), "\(noCount.stderr)")
        let bad = try CLI.run(["denoise", inputs.path, "--shard", "3/3"])
        #expect(bad.status == 64 && bad.stderr.contains("0 <= K < N"), "\(bad.stderr)")
    }

    @Test("Ctrl-C stops at an iteration boundary, writes nothing and exits 130")
    func interrupted() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.png").path
        let process = Process()
        process.executableURL = CLI.buildFolder.appendingPathComponent("zsn2n")
        process.arguments = ["denoise", CLI.fixture("camera64.png"), "-o", out, "--iterations", "1000000"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(1_500_000)
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("interrupted"))
        #expect(names(dir).isEmpty, "\(names(dir))")
    }
}

extension BatchCLITests {
    /// `zsn2n denoise` onto a full disk: a clear error, exit 1, no partial file.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aFullDiskLeavesNoPartialFile() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let disk = dir.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=8k", "tmpfs", disk.path]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { return }  // mounting refused here: nothing to test
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = ["-l", disk.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        let r = try CLI.run(["denoise", CLI.fixture("astronaut64.png"), "-o", disk.appendingPathComponent("out.png").path,
                             "--iterations", "2", "--sidecar", disk.appendingPathComponent("out.json").path])
        #expect(r.status == 1 && r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).isEmpty)
    }
}

/// A 16x12 RGB image on 16-bit levels that 8 bits cannot hold.
func levelImage16() -> Image {
    Image(width: 16, height: 12, channels: 3,
          pixels: (0..<(16 * 12 * 3)).map { Float(($0 * 7919) % 65536) / 65535 })
}
