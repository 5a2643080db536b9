import Foundation
import Platform

/// Writes the study's summary files from the runs done so far: results.csv, curves.csv,
/// results.json and table.md. Rewritten after every run, so they are current even if the study is
/// killed.
enum ResultsFiles {
    static let csvHeader = "image,noise,sampler,seed,noise_seed,iterations,psnr_noisy,ssim_noisy,psnr,ssim,sobel,brenner,noise_sigma,loss_first,loss_last,seconds,curve_file,montage_file"

    static func write(_ results: StudyResults, table: String, to folder: StudyFolder) throws {
        try folder.writeAtomically(Data(csv(results.runs).utf8), to: "results.csv")
        try folder.writeAtomically(Data(curvesCSV(results.runs).utf8), to: "curves.csv")
        try folder.writeAtomically(JSONFormat.encoder(nonFinite: .strings).encode(results), to: "results.json")
        try folder.writeAtomically(Data(table.utf8), to: "table.md")
    }

    /// One row per run. Numbers in Swift's shortest form that reads back to the same Double.
    static func csv(_ records: [RunRecord]) -> String {
        var lines = [csvHeader]
        for r in records {
            let fields: [String] = [
                field(r.key.image), field(r.key.noise), field(r.key.sampler), "\(r.key.seed)", "\(r.noiseSeed)",
                "\(r.iterations)", "\(r.psnrNoisy)", "\(r.ssimNoisy)", "\(r.psnr)", "\(r.ssim)", "\(r.sobel)",
                "\(r.brenner)", "\(r.noiseSigma)", "\(r.lossFirst)", "\(r.lossLast)", "\(r.seconds)",
                field(r.curveFile), field(r.montageFile),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Long format, ready for plotting: image,noise,sampler,seed,iteration,psnr.
    static func curvesCSV(_ records: [RunRecord]) -> String {
        var lines = ["image,noise,sampler,seed,iteration,psnr"]
        for r in records {
            let prefix = "\(field(r.key.image)),\(field(r.key.noise)),\(field(r.key.sampler)),\(r.key.seed)"
            for p in r.curve { lines.append("\(prefix),\(p.iteration),\(p.psnr)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
