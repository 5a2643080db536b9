import Foundation
import Testing
import Imaging

/// `zsn2n reproduce` as a researcher runs it, on 24x24 crops and 20 iterations.
struct ReproduceCLITests {
    static let tiny = ["--images", CLI.fixture("camera64.png"), "--crop", "24", "--samplers", "original,stripe,avgPoolAndRandomPool",
                       "--noise", "gauss:25", "--seeds-for", "original=2", "--iterations", "20"]

    @Test("a tiny study: the table on stdout, the files in --out")
    func tinyStudy() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("study").path
        let r = try CLI.run(["reproduce"] + Self.tiny + ["--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let title = try #require(lines.firstIndex { $0.hasPrefix("camera64 (24x24 gray): PSNR (dB)") }, "\(r.stdout)")
        #expect(lines[title + 1].replacingOccurrences(of: " ", with: "") == "|noise|noisy|original|stripe|avgPoolAndRandomPool|")
        #expect(lines[title + 3].hasPrefix("| gauss:25 |") && lines[title + 3].contains(" ± ") && lines[title + 3].contains("(2)"))
        #expect(r.stdout.contains("Sobel vs PSNR"))
        #expect(r.stderr.contains("[4/4] camera64 gauss:25 avgPoolAndRandomPool seed 0: PSNR"))

        let csv = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 5)
        #expect(csv.dropFirst().map { $0.split(separator: ",")[2] } == ["original", "original", "stripe", "avgPoolAndRandomPool"])
        let (montage, _) = try ImageIO.read(out + "/runs/camera64/gauss-25/stripe-seed0-montage.png")
        #expect(montage.width == 5 * 24 + 4 * 2 && montage.height == 24 && montage.channels == 1)
        let svg = try String(contentsOfFile: out + "/runs/camera64/gauss-25/original-seed1-curve.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline id=\"psnr\""))
        #expect(try String(contentsOfFile: out + "/table.md", encoding: .utf8) == r.stdout)
    }

    @Test("a declared kernel pair joins the study by name; the paper's pair declared anew scores as original")
    func declaredSampler() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("study").path
        let diagonal = #"{"name":"diagonal","k1":[[0,0.5],[0.5,0]],"k2":[[0.5,0],[0,0.5]],"stride":2,"divisor":1}"#
        let r = try CLI.run(["reproduce", "--images", CLI.fixture("camera64.png"), "--crop", "24", "--noise", "gauss:25",
                             "--iterations", "20", "--declare", diagonal, "--samplers", "original,diagonal", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try String(contentsOfFile: out + "/results.csv", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let psnr = try #require(rows.first?.firstIndex(of: "psnr"), "\(rows.first ?? [])")
        #expect(rows.dropFirst().map { $0[2] } == ["original", "diagonal"])
        #expect(rows.count == 3 && rows[1][psnr] == rows[2][psnr])

        let hiding = try CLI.run(["reproduce", "--declare", #"{"name":"stripe","k1":[[1]],"k2":[[1]],"stride":1,"divisor":1}"#,
                                  "--samplers", "stripe", "--out", dir.appendingPathComponent("x").path])
        #expect(hiding.status != 0)
        #expect(hiding.stderr.contains("would hide the built-in"), "\(hiding.stderr)")
    }

    @Test("stopped after 2 runs, the same command does only the other 2 and ends with the same results")
    func resume() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = dir.appendingPathComponent("whole").path, resumed = dir.appendingPathComponent("resumed").path
        #expect(try CLI.run(["reproduce"] + Self.tiny + ["--out", whole]).status == 0)

        let first = try CLI.run(["reproduce"] + Self.tiny + ["--out", resumed, "--stop-after", "2"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("stopped after 2 run(s): 2 left"), "\(first.stderr)")
        #expect(first.stdout.hasPrefix("Partial: 2 of 4 runs done"))
        let second = try CLI.run(["reproduce"] + Self.tiny + ["--out", resumed])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("(2 already done there, 2 to go)"), "\(second.stderr)")
        #expect(!second.stderr.contains("[1/4]") && !second.stderr.contains("[2/4]"))
        #expect(second.stderr.contains("[3/4]") && second.stderr.contains("[4/4]"))

        // Bit for bit the same, but for the wall times.
        #expect(try Self.withoutSeconds(resumed + "/results.json") == Self.withoutSeconds(whole + "/results.json"))
        #expect(try Self.csvWithoutSeconds(resumed) == Self.csvWithoutSeconds(whole))
        for file in ["original-seed0", "original-seed1", "stripe-seed0", "avgPoolAndRandomPool-seed0"] {
            let path = "/runs/camera64/gauss-25/\(file)-montage.png"
            #expect(FileManager.default.contents(atPath: resumed + path) == FileManager.default.contents(atPath: whole + path))
        }
        #expect(try String(contentsOfFile: resumed + "/runs.jsonl", encoding: .utf8).split(separator: "\n").count == 4)
    }

    @Test("errors: another plan in the same folder, an unknown sampler, a bad noise setting")
    func errors() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("s").path
        #expect(try CLI.run(["reproduce"] + Self.tiny + ["--out", out, "--stop-after", "1"]).status == 0)
        let other = try CLI.run(["reproduce"] + Self.tiny.dropLast(2) + ["--iterations", "10", "--out", out])
        #expect(other.status == 1 && other.stderr.contains("another training plan"), "\(other.stderr)")
        let unknown = try CLI.run(["reproduce", "--samplers", "original,nope", "--out", out])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown sampler 'nope'"))
        let noise = try CLI.run(["reproduce", "--noise", "gauss:25,speckle:3", "--out", out])
        #expect(noise.status != 0 && noise.stderr.contains("speckle"))
    }

    @Test("defaults: the repository's images, the study's eight samplers, gauss 25/50/100, the paper recipe")
    func defaults() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Run from elsewhere: the images are found above the binary, in data/study.
        let r = try CLI.run(["reproduce", "--stop-after", "0"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("2 image(s) x 3 noise setting(s) x 8 sampler(s), 48 runs of 3000 iterations into study/"), "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("study/results.json"))) as? [String: Any])
        let settings = try #require(doc["settings"] as? [String: Any])
        #expect((settings["images"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["astronaut128", "camera128"])
        #expect(settings["noise"] as? [String] == ["gauss:25", "gauss:50", "gauss:100"])
        let plan = try #require(settings["plan"] as? [String: Any])
        #expect(plan["iterations"] as? Int == 3000 && plan["step_size"] as? Int == 1000)
    }

    /// results.json as a JSON object with every run's "seconds" removed.
    static func withoutSeconds(_ path: String) throws -> NSDictionary {
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let runs = try #require(doc["runs"] as? [[String: Any]])
        doc["runs"] = runs.map { run in run.filter { $0.key != "seconds" } }
        return doc as NSDictionary
    }

    static func csvWithoutSeconds(_ folder: String) throws -> [[Substring]] {
        let lines = try String(contentsOfFile: folder + "/results.csv", encoding: .utf8).split(separator: "\n")
        let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "seconds"))
        return lines.map { line in
            var fields = line.split(separator: ",", omittingEmptySubsequences: false)
            fields.remove(at: column)
            return fields
        }
    }
}
