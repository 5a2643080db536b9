import Foundation
import Testing
import Evaluation
import Imaging
import Pipeline
import Platform

/// An evaluation run in-process on two tiny generated pairs: its rows, its means and its resume.
@Suite struct EvaluationTests {
    let dir: String
    let pairs: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zsn2n-evaluation-\(UUID().uuidString)").path
        pairs = FileSystem.join(dir, "pairs")
        for sub in ["noisy", "clean"] { try FileSystem.makeDirectory(FileSystem.join(pairs, sub)) }
        // Two 32x32 gray images (a ramp and rings), each with Gaussian noise of its own seed.
        for (index, name) in ["ramp.png", "rings.png"].enumerated() {
            var clean = Image(width: 32, height: 32, channels: 1)
            for y in 0..<32 {
                for x in 0..<32 {
                    let r = Float(((x - 16) * (x - 16) + (y - 16) * (y - 16))).squareRoot()
                    clean[0, y, x] = index == 0 ? Float(x + y) / 62 : 0.5 + 0.4 * sin(r / 2)
                }
            }
            try ImageIO.write(clean, to: FileSystem.join(pairs, "clean/" + name), format: .png)
            try ImageIO.write(NoiseModel.gauss(sigma: 20).apply(to: clean, seed: UInt64(index)),
                              to: FileSystem.join(pairs, "noisy/" + name), format: .png)
        }
    }

    private func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }

    private func evaluation() throws -> Evaluation {
        let methods = try ["pixel-bank", "zs-n2n"].map {
            try EvaluationMethod(ours: $0, training: DenoiseSettings { $0.iterations = 10; $0.threads = 1 })
        } + [try EvaluationMethod(external: "identity=cp")]
        return try Evaluation(sets: [try EvaluationSet(parsing: "real=\(pairs)")], methods: methods,
                              work: FileSystem.join(dir, "work"), noiseSeed: 100)
    }

    private func csvLines(_ path: String) throws -> [[String]] {
        String(decoding: try FileSystem.readFile(path), as: UTF8.self).split(separator: "\n").map { CSV.fields(String($0)) }
    }

    @Test("a row per method and image in the CSV, the noisy input measured as the pipeline measures it, the means in the summary from the rows")
    func rowsAndSummary() throws {
        defer { cleanUp() }
        let csv = FileSystem.join(dir, "results.csv")
        var results = try EvaluationResults(path: csv)
        var seen: [String] = []
        let failures = try evaluation().run(into: &results, started: { position, count, run in
            #expect(count == 6)
            seen.append("\(position) \(run.label)")
        })
        #expect(failures == 0)
        #expect(seen == ["0 pixel-bank real/ramp.png", "1 zs-n2n real/ramp.png", "2 identity real/ramp.png",
                         "3 pixel-bank real/rings.png", "4 zs-n2n real/rings.png", "5 identity real/rings.png"])

        let lines = try csvLines(csv)
        #expect(lines.first == EvaluationResults.header.split(separator: ",").map(String.init))
        #expect(lines.count == 7)
        for row in lines.dropFirst() {
            #expect(row[1] == "real" && row[3] == "32" && row[4] == "32" && row[5] == "1", "\(row)")
            let (noisy, _) = try ImageIO.read(FileSystem.join(pairs, "noisy/" + row[2]))
            let (clean, _) = try ImageIO.read(FileSystem.join(pairs, "clean/" + row[2]))
            #expect(row[6] == String(format: "%.4f", Metrics.psnr(noisy, clean)), "\(row)")
            #expect(row[6].split(separator: ".").last?.count == 4 && row[10].split(separator: ".").last?.count == 2)
            if row[0] == "identity" { #expect(row[8] == row[6], "cp leaves the noisy image as it is: \(row)") }
        }
        // The rows in memory are the file's, at full precision.
        #expect(results.rows.map { "\($0.method),\($0.image),\(String(format: "%.4f", $0.psnr))" }
                == lines.dropFirst().map { "\($0[0]),\($0[2]),\($0[8])" })

        let json = FileSystem.join(dir, "results.json")
        let summary = try results.writeSummary(to: json, order: ["real"])
        let document = try #require(try JSONSerialization.jsonObject(with: FileSystem.readFile(json)) as? [String: Any])
        let set = try #require((document["sets"] as? [[String: Any]])?.first)
        #expect(set["set"] as? String == "real" && set["images"] as? Int == 2)
        #expect(set["methods"] as? [String] == ["pixel-bank", "zs-n2n", "identity"])
        let cells = try #require(set["cells"] as? [String: [String: Any]])
        for method in ["pixel-bank", "zs-n2n", "identity"] {
            let mine = results.rows.filter { $0.method == method }
            let psnr = mine.map(\.psnr).reduce(0, +) / 2, gain = mine.map { $0.psnr - $0.psnrNoisy }.reduce(0, +) / 2
            #expect(abs((cells[method]?["psnr"] as? Double ?? .nan) - psnr) < 1e-9, "\(method)")
            #expect(abs((cells[method]?["gain"] as? Double ?? .nan) - gain) < 1e-9, "\(method)")
            #expect(cells[method]?["images"] as? Int == 2)
        }
        let noisyMean = results.rows.filter { $0.method == "pixel-bank" }.map(\.psnrNoisy).reduce(0, +) / 2
        let noisyInSummary = set["psnr_noisy"] as? Double ?? .nan
        #expect(abs(noisyInSummary - noisyMean) < 1e-9)
        #expect(summary.first?.cells.count == 3)
        #expect(EvaluationResults.table(summary).contains("real (2)"))
    }

    @Test("a second call measures nothing; a row cut short by a kill is dropped from the file and measured again, with the same result")
    func resume() throws {
        defer { cleanUp() }
        let csv = FileSystem.join(dir, "results.csv")
        let evaluation = try evaluation()
        var first = try EvaluationResults(path: csv)
        try evaluation.run(into: &first)
        let whole = try FileSystem.readFile(csv)

        var again = try EvaluationResults(path: csv)
        #expect(again.rows.count == 6 && again.cutShort == nil)
        #expect(try evaluation.pending(in: again).isEmpty)
        #expect(try evaluation.run(into: &again) == 0)
        #expect(try FileSystem.readFile(csv) == whole, "nothing appended")

        // Cut inside the last row, as a kill during its append would.
        try whole.dropLast(9).write(to: URL(fileURLWithPath: csv))
        var resumed = try EvaluationResults(path: csv)
        let lastLine = try #require(String(decoding: whole, as: UTF8.self).split(separator: "\n").last)
        #expect(resumed.cutShort == String(lastLine.dropLast(8)))
        #expect(resumed.rows.count == 5)
        #expect(try FileSystem.readFile(csv) == whole.prefix(whole.count - lastLine.utf8.count - 1), "the cut row is off the file")
        #expect(try evaluation.pending(in: resumed).map(\.label) == ["identity real/rings.png"])
        try evaluation.run(into: &resumed)
        let redone = try #require(try csvLines(csv).last)
        let before = CSV.fields(String(lastLine))
        #expect(redone.count == 11 && Array(redone.prefix(10)) == Array(before.prefix(10)), "the same measurement: \(redone) vs \(before)")
    }

    @Test("a results file of something else, a set that is not one, a folder without images: each refused with its reason")
    func refusals() throws {
        defer { cleanUp() }
        let other = FileSystem.join(dir, "other.csv")
        try Data("a,b,c\n1,2,3\n".utf8).write(to: URL(fileURLWithPath: other))
        let notOurs = #expect(throws: EvaluationError.self) { try EvaluationResults(path: other) }
        #expect(notOurs?.isUsage == false && notOurs?.description.contains("not a results file of zsn2n evaluate") == true)

        let bad = #expect(throws: EvaluationError.self) { try EvaluationSet(parsing: "nofolder") }
        #expect(bad?.isUsage == true && bad?.description.contains("expected NAME=DIR") == true)

        let twice = #expect(throws: EvaluationError.self) {
            try Evaluation(sets: [EvaluationSet(parsing: "a=\(pairs)"), EvaluationSet(parsing: "a=\(dir)")], methods: [],
                           work: dir, noiseSeed: 0)
        }
        #expect(twice?.description == "--set: 'a' is given twice")

        try FileSystem.makeDirectory(FileSystem.join(dir, "empty/noisy"))
        let empty = #expect(throws: EvaluationError.self) {
            try EvaluationSet(parsing: "e=\(FileSystem.join(dir, "empty"))").pairs(work: dir, seed: 0)
        }
        #expect(empty?.description == "set e: no images in \(FileSystem.join(dir, "empty/noisy"))")
    }
}
