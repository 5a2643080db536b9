import Foundation
import Testing
import Imaging

/// `zsn2n evaluate`: methods x sets measured, rows resumed, means made from the rows.
struct EvaluateCLITests {
    /// A pairs folder (noisy/, clean/) and a clean folder, with 48x48 images cut from the fixtures.
    private func folders(_ dir: URL) throws -> (pairs: String, clean: String) {
        let pairs = dir.appendingPathComponent("pairs"), clean = dir.appendingPathComponent("clean")
        for sub in ["noisy", "clean"] {
            try FileManager.default.createDirectory(at: pairs.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(at: clean, withIntermediateDirectories: true)
        for (i, name) in ["camera64.png", "astronaut64.png"].enumerated() {
            let r = try CLI.run(["noise", CLI.fixture(name), "--crop", "48", "--model", "gauss:20", "--seed", "\(i)",
                                 "-o", pairs.appendingPathComponent("noisy/\(name)").path,
                                 "--clean-output", pairs.appendingPathComponent("clean/\(name)").path])
            #expect(r.status == 0, "\(r.stderr)")
            try FileManager.default.copyItem(atPath: CLI.fixture(name), toPath: clean.appendingPathComponent(name).path)
        }
        return (pairs.path, clean.path)
    }

    private func rows(_ csv: String) throws -> [[String]] {
        try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
    }

    @Test("real and synthetic sets, two methods and an external command: a row each, means from the rows, a resumed run measures nothing again")
    func evaluate() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (pairs, clean) = try folders(dir)
        let csv = dir.appendingPathComponent("results.csv").path
        // cp leaves the noisy image as it is: its PSNR must be the noisy input's, measured the same way.
        let arguments = ["evaluate", "--set", "real=\(pairs)", "--set", "synthetic=\(clean)@gauss:25@gray",
                         "--method", "pixel-bank", "--method", "zs-n2n", "--external", "identity=cp",
                         "--iterations", "150", "--csv", csv, "--work", dir.appendingPathComponent("work").path]
        let first = try CLI.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let measured = try rows(csv)
        #expect(measured.count == 2 * 2 * 3)
        for row in measured where row[0] == "identity" {
            #expect(abs(Double(row[6])! - Double(row[8])!) < 1e-3, "\(row)")
        }
        for row in measured where row[1] == "synthetic" { #expect(row[5] == "1", "@gray makes one-channel images") }
        for row in measured where row[0] != "identity" {
            #expect(Double(row[8])! > Double(row[6])!, "a denoiser gains over the noisy input: \(row)")
        }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("results.json")))
            as? [String: Any])
        let sets = try #require(summary["sets"] as? [[String: Any]])
        #expect(sets.map { $0["set"] as? String } == ["real", "synthetic"])
        let cells = try #require(sets[0]["cells"] as? [String: [String: Any]])
        let bank = measured.filter { $0[0] == "pixel-bank" && $0[1] == "real" }.map { Double($0[8])! }
        #expect(abs((cells["pixel-bank"]?["psnr"] as? Double ?? 0) - bank.reduce(0, +) / 2) < 1e-3)

        // The same command again measures nothing new; a row cut short by a kill is measured again.
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        try String(text.dropLast(9)).write(toFile: csv, atomically: true, encoding: .utf8)
        let again = try CLI.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("cut short"))
        #expect(try rows(csv).count == measured.count)
        #expect(try rows(csv).map { $0.prefix(3) } == measured.map { $0.prefix(3) })
    }

    @Test("a bad set, method or results file is refused with the reason", arguments: [
        (["--set", "nofolder"], "expected NAME=DIR"),
        (["--set", "x=/nonexistent"], "is not a folder"),
        (["--set", "x=/tmp@gray"], "needs a noise model"),
        (["--set", "x=/tmp@gauss:25", "--method", "zs-n2n~draws"], "only pixel-bank"),
        (["--set", "x=/tmp@gauss:25", "--method", "pixel-bank~wings"], "not a mechanism"),
    ])
    func refused(arguments: [String], reason: String) throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["evaluate"] + arguments + ["--csv", dir.appendingPathComponent("r.csv").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains(reason), "\(r.stderr)")
    }
}
