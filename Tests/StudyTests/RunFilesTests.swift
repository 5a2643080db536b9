import Foundation
import Testing
import Denoiser
import Imaging
import Platform
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Study

/// A real (tiny) study: what it measures and the files it writes.
struct RunFilesTests {
    var folder: StudyFolder { StudyFixtures.uninterrupted.folder }
    var report: StudyReport { StudyFixtures.uninterrupted.report }

    @Test("every run is done once, in order, and the study is complete")
    func runs() throws {
        let settings = try StudyFixtures.settings()
        #expect(settings.runs.count == 2 * 2 * 9)
        #expect(report.executed == settings.runs && report.skipped.isEmpty && !report.stoppedEarly)
        #expect(report.results.complete && report.results.runsDone == 36 && report.results.runsTotal == 36)
        #expect(report.results.runs.map(\.key) == settings.runs)
    }

    @Test("every sampler trains on the same noisy image; another seed or noise setting gets another")
    func sameNoisyInput() throws {
        let runs = report.results.runs
        for record in runs {
            let twins = runs.filter { $0.key.image == record.key.image && $0.key.noise == record.key.noise && $0.key.seed == record.key.seed }
            #expect(twins.allSatisfy { $0.noiseSeed == record.noiseSeed && $0.psnrNoisy == record.psnrNoisy })
            // The same seed also gives the same initial network: before training, every sampler's
            // output is the same.
            #expect(twins.allSatisfy { $0.curve.first == record.curve.first })
        }
        let seeds = Set(runs.filter { $0.key.sampler == "original" }.map(\.noiseSeed))
        #expect(seeds.count == 2 * 2 * 2, "one noisy image per image x noise x seed")
    }

    @Test("measurements: curve every 10 iterations from 0, final PSNR its last point, the loss falls")
    func measurements() throws {
        for r in report.results.runs {
            #expect(r.curve.map(\.iteration) == [0, 10, 20])
            #expect(r.psnr == r.curve.last?.psnr)
            #expect(r.iterations == 20 && r.seconds > 0)
            #expect(r.ssim > 0 && r.ssim <= 1 && r.sobel > 0 && r.brenner > 0 && r.noiseSigma > 0)
            // 20 iterations are too few to promise a PSNR gain on every run, but not to lower the loss
            // (it fell by a fifth or more in every run when this was written).
            #expect(r.lossLast < r.lossFirst, "\(r.key): loss \(r.lossFirst) -> \(r.lossLast)")
        }
    }

    @Test("the table's cells are the means of the runs' records")
    func tableAgainstRecords() throws {
        let settings = try StudyFixtures.settings()
        let runs = report.results.runs
        let lines = report.table.split(separator: "\n").map(String.init)
        #expect(try StudyFixtures.read(folder, "table.md") == Data(report.table.utf8))
        for image in settings.images {
            let title = try #require(lines.firstIndex { $0.hasPrefix("\(image.name) (24x24") })
            #expect(Markdown.cells(lines[title + 1]) == ["noise", "noisy"] + Sampler.study.map(\.name))
            for (n, noise) in settings.noises.enumerated() {
                let cells = Markdown.cells(lines[title + 3 + n])
                #expect(cells[0] == noise.description)
                for (s, sampler) in Sampler.study.enumerated() {
                    let psnrs = runs.filter { $0.key.image == image.name && $0.key.noise == noise.description && $0.key.sampler == sampler.name }.map(\.psnr)
                    let mean = psnrs.reduce(0, +) / Double(psnrs.count)
                    var expected = String(format: "%.2f", mean)
                    if psnrs.count > 1 {
                        let sd = (psnrs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(psnrs.count - 1)).squareRoot()
                        expected += String(format: " ± %.2f (%d)", sd, psnrs.count)
                    }
                    #expect(cells[2 + s] == expected, "\(image.name) \(noise) \(sampler.name)")
                }
            }
        }
        // The JSON table holds the same numbers as the text.
        let grayBlock = try #require(report.results.table.first { $0.image == "gray" })
        let original = try #require(grayBlock.rows.first?.cell("original"))
        #expect(original.psnr.count == 2 && original.psnr.spread != nil)
        #expect(report.results.table.last?.image == nil, "a mean over the images comes last")
    }

    @Test("results.csv: a header and one row per run, the records' values")
    func csv() throws {
        let text = String(decoding: try StudyFixtures.read(folder, "results.csv"), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == ResultsFiles.csvHeader)
        #expect(lines.count == 1 + 36)
        let header = lines[0].split(separator: ",").map(String.init)
        for (line, record) in zip(lines.dropFirst(), report.results.runs) {
            let fields = Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",").map(String.init)))
            #expect(fields["image"] == record.key.image && fields["sampler"] == record.key.sampler)
            #expect(fields["noise"] == record.key.noise && fields["seed"] == "\(record.key.seed)")
            #expect(fields["psnr"].flatMap(Double.init) == record.psnr, "the shortest form reads back exactly")
            #expect(fields["sobel"].flatMap(Double.init) == record.sobel)
            #expect(fields["brenner"].flatMap(Double.init) == record.brenner)
            #expect(fields["montage_file"] == record.montageFile)
        }
        let curves = String(decoding: try StudyFixtures.read(folder, "curves.csv"), as: UTF8.self)
        #expect(curves.split(separator: "\n").count == 1 + 36 * 3)
    }

    @Test("results.json: the documented fields, and it reads back to the same results")
    func json() throws {
        let data = try StudyFixtures.read(folder, "results.json")
        let decoded = try JSONFormat.decoder(nonFinite: .strings).decode(StudyResults.self, from: data)
        #expect(decoded == report.results)
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["schema"] as? String == "zsn2n.study/1")
        #expect(doc["complete"] as? Bool == true)
        let settings = try #require(doc["settings"] as? [String: Any])
        #expect((settings["noise"] as? [String]) == ["gauss:25", "poisson:50"])
        #expect((settings["samplers"] as? [[String: Any]])?.first?["seeds"] as? [Int] == [0, 1])
        let run = try #require((doc["runs"] as? [[String: Any]])?.first)
        for field in ["key", "noise_seed", "psnr_noisy", "psnr", "ssim", "sobel", "brenner", "loss_first", "loss_last",
                      "seconds", "curve", "curve_file", "montage_file"] {
            #expect(run[field] != nil, "runs[0].\(field)")
        }
        let row = try #require(((doc["table"] as? [[String: Any]])?.first?["rows"] as? [[String: Any]])?.first)
        let agreement = try #require(row["agreement"] as? [String: Any])
        #expect(Set(agreement.keys) == ["sobel_vs_psnr", "brenner_vs_psnr", "psnr_vs_study"])
        #expect(agreement["psnr_vs_study"] is Double, "gauss:25 has a published row")
    }

    @Test("each run's curve is an SVG whose line has one point per measurement")
    func curves() throws {
        for record in report.results.runs {
            let data = try StudyFixtures.read(folder, record.curveFile)
            let reader = SVGPolyline()
            let parser = XMLParser(data: data)
            parser.delegate = reader
            #expect(parser.parse(), "\(record.curveFile) is well-formed XML")
            #expect(reader.root == "svg")
            #expect(reader.points?.split(separator: " ").count == record.curve.count)
        }
    }

    @Test("each run's montage is a PNG: noisy | D1 | D2 | clean | denoised, every panel full size")
    func montages() throws {
        let settings = try StudyFixtures.settings()
        for record in report.results.runs {
            let (montage, info) = try ImageIO.read(folder.file(record.montageFile))
            let clean = try #require(settings.image(named: record.key.image)).image
            #expect(info.format == .png)
            #expect(montage.width == 5 * 24 + 4 * Montage.gap && montage.height == 24 && montage.channels == clean.channels)
            func panel(_ p: Int) -> Image {
                var pixels: [Float] = []
                for c in 0..<clean.channels {
                    for y in 0..<24 { for x in 0..<24 { pixels.append(montage[c, y, p * (24 + Montage.gap) + x]) } }
                }
                return Image(width: 24, height: 24, channels: clean.channels, pixels: pixels)
            }
            // The clean panel is the clean image (to 8 bits); the last is the measured output.
            #expect(Metrics.psnr(panel(3), clean) > 45)
            #expect(abs(Metrics.psnr(panel(4), clean) - record.psnr) < 0.1)
            #expect(abs(Metrics.psnr(panel(0), clean) - record.psnrNoisy) < 0.1)
            // Gaps are white.
            #expect(montage[0, 0, 24] == 1 && montage[0, 23, 24 + Montage.gap - 1] == 1)
        }
    }

    @Test("D1 and D2 are scaled up by nearest neighbour: a 2-stride sampler's pixels come in 2x2 blocks")
    func montageHalves() throws {
        let image = StudyFixtures.image(name: "g", channels: 1).image
        let montage = Montage.make(noisy: image, clean: image, denoised: image, sampler: .stripe, seed: 0)
        let left = 24 + Montage.gap
        let (d1, _) = Montage.halves(of: image, sampler: .stripe, seed: 0)
        #expect(d1.width == 12 && d1.height == 12)
        for y in 0..<24 {
            for x in 0..<24 { #expect(montage[0, y, left + x] == d1[0, y / 2, x / 2]) }
        }
        // stripe's D1 is the right column of each 2x2 block, averaged over its two rows.
        #expect(d1[0, 0, 0] == (image[0, 0, 1] + image[0, 1, 1]) / 2)
    }
}

/// Reads the root element's name and the points of the polyline with id "psnr".
final class SVGPolyline: NSObject, XMLParserDelegate {
    var root: String?
    var points: String?
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if root == nil { root = name }
        if name == "polyline" && attributes["id"] == "psnr" { points = attributes["points"] }
    }
}
