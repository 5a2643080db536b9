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
            lines.append(CSV.line([
                r.key.image, r.key.noise, r.key.sampler, "\(r.key.seed)", "\(r.noiseSeed)",
                "\(r.iterations)", "\(r.psnrNoisy)", "\(r.ssimNoisy)", "\(r.psnr)", "\(r.ssim)", "\(r.sobel)",
                "\(r.brenner)", "\(r.noiseSigma)", "\(r.lossFirst)", "\(r.lossLast)", "\(r.seconds)",
                r.curveFile, r.montageFile,
            ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Long format, ready for plotting: image,noise,sampler,seed,iteration,psnr.
    static func curvesCSV(_ records: [RunRecord]) -> String {
        var lines = ["image,noise,sampler,seed,iteration,psnr"]
        for r in records {
            for p in r.curve { lines.append(CSV.line([r.key.image, r.key.noise, r.key.sampler, "\(r.key.seed)", "\(p.iteration)", "\(p.psnr)"])) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
