/// The study's tables: one block per image (rows = noise settings, columns = samplers, as the
/// study's), each cell summarised over its seeds, each row's rank agreement with the PSNR order
/// and with the study's published table; built from the records of the runs.

/// Builds the study's tables from the records of its runs.
public enum StudyTable {
    public static func blocks(settings: StudySettings, records: [RunRecord]) -> [TableBlock] {
        var blocks = settings.images.map { image in
            TableBlock(image: image.name, title: title(of: image),
                       rows: settings.noises.compactMap { noise in
                           row(settings: settings, noise: noise.description,
                               records: records.filter { $0.key.image == image.name && $0.key.noise == noise.description })
                       })
        }
        if settings.images.count > 1 {
            blocks.append(meanBlock(settings: settings, blocks: blocks))
        }
        return blocks
    }

    static func title(of image: StudyImage) -> String {
        "\(image.name) (\(image.image.width)x\(image.image.height) \(image.image.channels == 1 ? "gray" : "RGB"))"
    }

    /// nil when no run of this noise setting is done yet.
    static func row(settings: StudySettings, noise: String, records: [RunRecord]) -> TableRow? {
        guard !records.isEmpty else { return nil }
        let cells = settings.samplers.compactMap { sampler -> TableCell? in
            let mine = records.filter { $0.key.sampler == sampler.name }
            guard let psnr = Summary(mine.map(\.psnr)) else { return nil }
            return TableCell(sampler: sampler.name, psnr: psnr, ssim: Summary(mine.map(\.ssim))!,
                             sobel: Summary(mine.map(\.sobel))!, brenner: Summary(mine.map(\.brenner))!)
        }
        // The noisy input depends on the seed, not the sampler: count each seed's input once.
        var bySeed: [UInt64: Double] = [:]
        for r in records { bySeed[r.key.seed] = r.psnrNoisy }
        let noisy = Summary(bySeed.keys.sorted().map { bySeed[$0]! })!
        return TableRow(noise: noise, noisyPsnr: noisy, cells: cells, agreement: agreement(noise: noise, cells: cells))
    }

    static func agreement(noise: String, cells: [TableCell]) -> RankAgreement {
        let psnr = cells.map(\.psnr.mean)
        let published = cells.compactMap { cell in
            PublishedTable.psnr(noise: noise, sampler: cell.sampler).map { (cell.psnr.mean, $0) }
        }
        return RankAgreement(sobelVsPsnr: Spearman.rho(cells.map(\.sobel.mean), psnr),
                             brennerVsPsnr: Spearman.rho(cells.map(\.brenner.mean), psnr),
                             psnrVsStudy: Spearman.rho(published.map(\.0), published.map(\.1)))
    }

    /// The mean over images of each cell's mean (a sampler counts only where every image has its
    /// cell), without a spread: the spread over seeds lives in the per-image blocks.
    static func meanBlock(settings: StudySettings, blocks: [TableBlock]) -> TableBlock {
        func mean(_ summaries: [Summary]) -> Summary {
            Summary(mean: summaries.map(\.mean).reduce(0, +) / Double(summaries.count), spread: nil,
                    count: summaries.map(\.count).reduce(0, +))
        }
        let rows = settings.noises.compactMap { noise -> TableRow? in
            let perImage = blocks.map { $0.rows.first { $0.noise == noise.description } }
            guard perImage.allSatisfy({ $0 != nil }) else { return nil }
            let rows = perImage.map { $0! }
            let cells = settings.samplers.compactMap { sampler -> TableCell? in
                let found = rows.compactMap { $0.cell(sampler.name) }
                guard found.count == rows.count else { return nil }
                return TableCell(sampler: sampler.name, psnr: mean(found.map(\.psnr)), ssim: mean(found.map(\.ssim)),
                                 sobel: mean(found.map(\.sobel)), brenner: mean(found.map(\.brenner)))
            }
            return TableRow(noise: noise.description, noisyPsnr: mean(rows.map(\.noisyPsnr)), cells: cells,
                            agreement: agreement(noise: noise.description, cells: cells))
        }
        return TableBlock(image: nil, title: "mean over \(blocks.count) images", rows: rows)
    }
}

/// One table: rows = noise settings, columns = samplers, like the study's. One block per image; with
/// several images a last block averages them (image == nil).
public struct TableBlock: Sendable, Equatable, Codable {
    /// nil for the mean over images.
    public var image: String?
    public var title: String
    public var rows: [TableRow]

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(image, forKey: .image)  // null for the mean over images
        try c.encode(title, forKey: .title)
        try c.encode(rows, forKey: .rows)
    }
}

/// One noise setting: the noisy input's PSNR, one cell per sampler (in the study's column order,
/// missing samplers left out), and the rank agreement under it.
public struct TableRow: Sendable, Equatable, Codable {
    public var noise: String
    public var noisyPsnr: Summary
    public var cells: [TableCell]
    public var agreement: RankAgreement

    public func cell(_ sampler: String) -> TableCell? { cells.first { $0.sampler == sampler } }
}

/// One sampler's cell in a table row: each measurement summarised over the cell's seeds.
public struct TableCell: Sendable, Equatable, Codable {
    public var sampler: String
    public var psnr: Summary
    public var ssim: Summary
    public var sobel: Summary
    public var brenner: Summary
}

/// The summary of one table cell over its seeds: the mean, and the spread as the sample standard
/// deviation (n - 1 in the denominator), which is what "mean ± sd" in a results table usually means.
/// With one seed there is no spread to report, so it is nil rather than a misleading 0.
public struct Summary: Sendable, Equatable, Codable {
    public var mean: Double
    public var spread: Double?
    public var count: Int

    public init(mean: Double, spread: Double?, count: Int) {
        self.mean = mean
        self.spread = spread
        self.count = count
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(spread, forKey: .spread)  // null with one seed, rather than a missing key
        try c.encode(count, forKey: .count)
    }

    /// nil for an empty list.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        var spread: Double?
        if values.count > 1 {
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            spread = (squares / Double(values.count - 1)).squareRoot()
        }
        self.init(mean: mean, spread: spread, count: values.count)
    }
}

/// How far other orderings of the row's samplers agree with the order by PSNR: Spearman's rho over
/// the samplers that have a cell, each ranked by its cell mean. +1: the same order, -1: reversed,
/// nil: undefined (fewer than two samplers, or all tied).
public struct RankAgreement: Sendable, Equatable, Codable {
    /// The study's section 3.8 proposal: does the sharper output (higher Sobel/Tenengrad, higher
    /// Brenner) come from the better sampler by PSNR?
    public var sobelVsPsnr: Double?
    public var brennerVsPsnr: Double?
    /// Our PSNR order against the study's published one, over the samplers it published for this
    /// noise setting (gauss:25/50/100 only).
    public var psnrVsStudy: Double?

    public func encode(to encoder: Encoder) throws {
        // Explicit nulls: an undefined correlation should read as such, not as a missing key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sobelVsPsnr, forKey: .sobelVsPsnr)
        try c.encode(brennerVsPsnr, forKey: .brennerVsPsnr)
        try c.encode(psnrVsStudy, forKey: .psnrVsStudy)
    }
}

/// The study's published PSNRs (docs/method.md, "The sampler study's published table": one Kodak24
/// image, Gaussian noise, paper recipe), to compare our ranking of samplers with its ranking.
/// Absolute values do not compare (another image and size), orders do.
public enum PublishedTable {
    public static let samplers = ["original", "remoteWeight", "remoteNegativeWeight", "threeSizeSample", "stripe",
                                  "maxAndAvgPool", "avgPoolAndRandomPool", "maxPoolAndRandomPool"]
    /// Rows by the noise model's canonical text.
    public static let rows: [String: [Double]] = [
        "gauss:25": [31.28, 27.5, 27.83, 29.86, 29.18, 23.58, 29.19, 22.98],
        "gauss:50": [26.66, 21.07, 22.32, 25.07, 25.90, 19.68, 25.10, 17.44],
        "gauss:100": [20.65, 16.52, 16.94, 20.08, 20.52, 14.51, 19.97, 12.53],
    ]

    /// The study's PSNR for this noise setting and sampler, when it published one.
    public static func psnr(noise: String, sampler: String) -> Double? {
        guard let row = rows[noise], let column = samplers.firstIndex(of: sampler) else { return nil }
        return row[column]
    }
}
