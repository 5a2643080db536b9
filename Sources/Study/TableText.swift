import Foundation

/// The tables as text: Markdown pipe tables with padded columns, so the same text reads well in a
/// terminal and pastes into a README.
///
///     camera128 (128x128 gray): PSNR (dB) of the output, mean ± sample sd over seeds, (n) seeds when more than one
///
///     | noise    | noisy | original           | remoteWeight | ...
///     |----------|-------|--------------------|--------------|
///     | gauss:25 | 20.40 | 29.31 ± 0.04 (3)   | 27.02        |
///
///     Rank agreement, Spearman's rho over the samplers' mean PSNR order (+1 same order, -1 reversed):
///
///     | noise    | Sobel vs PSNR | Brenner vs PSNR | PSNR vs study |
public enum TableText {
    public static func render(_ blocks: [TableBlock], samplers: [String], done: Int, total: Int) -> String {
        var parts: [String] = []
        if done < total {
            parts.append("Partial: \(done) of \(total) runs done; run the same command again to finish.")
        }
        for block in blocks {
            let what = block.image == nil
                ? "PSNR (dB) of the output, mean over images of each cell's mean"
                : "PSNR (dB) of the output, mean ± sample sd over seeds, (n) = seeds when more than one"
            parts.append("\(block.title): \(what)")
            parts.append(psnrTable(block, samplers: samplers))
            parts.append("Rank agreement (Spearman's rho between orders of the samplers; +1 = the same order as by PSNR, -1 = reversed):")
            parts.append(agreementTable(block))
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    static func psnrTable(_ block: TableBlock, samplers: [String]) -> String {
        let header = ["noise", "noisy"] + samplers
        let rows = block.rows.map { row in
            [row.noise, number(row.noisyPsnr.mean)] + samplers.map { name in
                row.cell(name).map { cell(cell: $0.psnr, perImage: block.image != nil) } ?? "-"
            }
        }
        return markdown(header: header, rows: rows)
    }

    static func agreementTable(_ block: TableBlock) -> String {
        let rows = block.rows.map { row in
            [row.noise, rho(row.agreement.sobelVsPsnr), rho(row.agreement.brennerVsPsnr), rho(row.agreement.psnrVsStudy)]
        }
        return markdown(header: ["noise", "Sobel vs PSNR", "Brenner vs PSNR", "PSNR vs study"], rows: rows)
    }

    /// "29.31" for one seed, "29.31 ± 0.04 (3)" for three.
    public static func cell(cell s: Summary, perImage: Bool) -> String {
        guard perImage, let spread = s.spread else { return number(s.mean) }
        return "\(number(s.mean)) ± \(number(spread)) (\(s.count))"
    }

    public static func number(_ v: Double) -> String { String(format: "%.2f", v) }
    public static func rho(_ v: Double?) -> String { v.map { String(format: "%+.2f", $0) } ?? "n/a" }

    static func markdown(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max()! }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { c, text in text.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }
}
