

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
