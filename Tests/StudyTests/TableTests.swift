import Foundation
import Testing
import Denoiser
@testable import Study

/// The table's numbers and layout, from records made up so that every value is known by hand.
struct TableTests {
    static let samplers = [Sampler.original, Sampler.stripe, Sampler.maxAndAvgPool]

    static func settings() throws -> StudySettings {
        try StudySettings(images: [StudyFixtures.image(name: "gray", channels: 1), StudyFixtures.image(name: "rgb", channels: 3)],
                          samplers: samplers, noises: [.gauss(sigma: 25), .gauss(sigma: 50)],
                          seeds: [0], seedsBySampler: ["original": [0, 1, 2]],
                          plan: ZSN2NMethod.plan(.paper).with(iterations: 20))
    }

    static func record(_ image: String, _ noise: String, _ sampler: String, seed: UInt64, psnr: Double,
                       sobel: Double = 0.1, brenner: Double = 0.01) -> RunRecord {
        let key = RunKey(image: image, noise: noise, sampler: sampler, seed: seed)
        return RunRecord(key: key, noiseSeed: key.noiseSeed, iterations: 20, psnrNoisy: 20 + Double(seed), ssimNoisy: 0.5,
                         psnr: psnr, ssim: psnr / 100, sobel: sobel, brenner: brenner, noiseSigma: 5,
                         lossFirst: 0.1, lossLast: 0.01, seconds: 1, curve: [], curveFile: key.curveFile,
                         montageFile: key.montageFile)
    }

    /// gray, gauss:25: original 30/31/32 over three seeds, stripe 29.5, maxAndAvgPool 25; Sobel puts
    /// stripe first, then maxAndAvgPool, then original; Brenner follows PSNR.
    static func grayGauss25() -> [RunRecord] {
        [record("gray", "gauss:25", "original", seed: 0, psnr: 30, sobel: 0.1, brenner: 0.03),
         record("gray", "gauss:25", "original", seed: 1, psnr: 31, sobel: 0.1, brenner: 0.03),
         record("gray", "gauss:25", "original", seed: 2, psnr: 32, sobel: 0.1, brenner: 0.03),
         record("gray", "gauss:25", "stripe", seed: 0, psnr: 29.5, sobel: 0.3, brenner: 0.02),
         record("gray", "gauss:25", "maxAndAvgPool", seed: 0, psnr: 25, sobel: 0.2, brenner: 0.01)]
    }

    @Test("cells: mean and sample sd over seeds; the noisy column counts each seed's input once")
    func cells() throws {
        let blocks = StudyTable.blocks(settings: try Self.settings(), records: Self.grayGauss25())
        let row = try #require(blocks.first?.rows.first)
        #expect(blocks.first?.image == "gray" && row.noise == "gauss:25")
        let original = try #require(row.cell("original"))
        #expect(original.psnr == Summary(mean: 31, spread: 1, count: 3))
        #expect(original.ssim.mean == 0.31)
        #expect(row.cell("stripe")?.psnr == Summary(mean: 29.5, spread: nil, count: 1))
        // Seeds 0, 1, 2 have noisy PSNRs 20, 21, 22; seed 0's input is shared by three samplers
        // but counts once: 21, not (20 * 3 + 21 + 22) / 5.
        #expect(row.noisyPsnr.mean == 21 && row.noisyPsnr.count == 3)
        // No run of gauss:50 or of rgb yet: no row there, and no mean block row.
        #expect(blocks[0].rows.count == 1 && blocks[1].rows.isEmpty && blocks[2].rows.isEmpty)
    }

    @Test("rank agreement per noise setting, by hand")
    func agreement() throws {
        let row = try #require(StudyTable.blocks(settings: try Self.settings(), records: Self.grayGauss25()).first?.rows.first)
        // PSNR ranks (original, stripe, maxAndAvgPool) = 3, 2, 1; Sobel ranks = 1, 3, 2.
        // Deviations from 2: (1, 0, -1) and (-1, 1, 0): sum of products -1, sums of squares 2 and 2.
        #expect(row.agreement.sobelVsPsnr == -0.5)
        #expect(row.agreement.brennerVsPsnr == 1)
        // The study's gauss:25 row has original 31.28 > stripe 29.18 > maxAndAvgPool 23.58: the same order.
        #expect(row.agreement.psnrVsStudy == 1)
    }

    @Test("text: the study's layout, rows = noise settings, columns = samplers in order, the agreement under it")
    func text() throws {
        let settings = try Self.settings()
        var records = Self.grayGauss25()
        records.append(Self.record("rgb", "gauss:25", "original", seed: 0, psnr: 28))
        let blocks = StudyTable.blocks(settings: settings, records: records)
        let text = TableText.render(blocks, samplers: settings.samplers.map(\.name), done: records.count, total: settings.runs.count)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "Partial: 6 of 20 runs done; run the same command again to finish.")

        let grayTitle = try #require(lines.firstIndex { $0.hasPrefix("gray (24x24 gray): PSNR (dB)") })
        #expect(Markdown.cells(lines[grayTitle + 1]) == ["noise", "noisy", "original", "stripe", "maxAndAvgPool"])
        #expect(lines[grayTitle + 2].allSatisfy { $0 == "|" || $0 == "-" })
        #expect(Markdown.cells(lines[grayTitle + 3]) == ["gauss:25", "21.00", "31.00 ± 1.00 (3)", "29.50", "25.00"])
        let agreementHeader = try #require(lines[grayTitle...].firstIndex { $0.hasPrefix("| noise") && $0.contains("Sobel vs PSNR") })
        #expect(Markdown.cells(lines[agreementHeader]) == ["noise", "Sobel vs PSNR", "Brenner vs PSNR", "PSNR vs study"])
        #expect(Markdown.cells(lines[agreementHeader + 2]) == ["gauss:25", "-0.50", "+1.00", "+1.00"])

        // rgb has only original: the others are "-", and one sampler gives no correlation.
        let rgbTitle = try #require(lines.firstIndex { $0.hasPrefix("rgb (24x24 RGB)") })
        #expect(Markdown.cells(lines[rgbTitle + 3]) == ["gauss:25", "20.00", "28.00", "-", "-"])
        let rgbAgreement = try #require(lines[rgbTitle...].firstIndex { $0.contains("Sobel vs PSNR") })
        #expect(Markdown.cells(lines[rgbAgreement + 2]) == ["gauss:25", "n/a", "n/a", "n/a"])

        // The mean over images: a sampler counts only where both images have it; no spread.
        let meanTitle = try #require(lines.firstIndex { $0.hasPrefix("mean over 2 images") })
        #expect(Markdown.cells(lines[meanTitle + 3]) == ["gauss:25", "20.50", "29.50", "-", "-"])
        // Every table line of a block is padded to the same width.
        let grayTable = lines[(grayTitle + 1)...(grayTitle + 3)]
        #expect(Set(grayTable.map(\.count)).count == 1)
    }

    @Test("a complete table carries no partial note")
    func complete() throws {
        let blocks = StudyTable.blocks(settings: try Self.settings(), records: Self.grayGauss25())
        let text = TableText.render(blocks, samplers: ["original"], done: 5, total: 5)
        #expect(!text.contains("Partial"))
    }
}

enum Markdown {
    /// The trimmed cells of a pipe-table line.
    static func cells(_ line: String) -> [String] {
        line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
