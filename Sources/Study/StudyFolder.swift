import Denoiser
import Foundation
import Platform
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The output folder of a study:
///
///     settings.json      what every run in the folder was trained with (see `FolderManifest`)
///     runs.jsonl         the resume log: one record per finished run
///     results.csv        one row per run of the current settings
///     curves.csv         every PSNR curve point, one row each
///     results.json       settings, the table with its rank correlations, and every run
///     table.md           the printed table
///     runs/IMAGE/NOISE/SAMPLER-seedN-curve.svg, ...-montage.png
///
/// A folder holds runs of one training plan only. Images, noise settings, samplers and seeds may
/// be added on a later call (the runs already done are reused), but a different plan or an image
/// whose pixels changed under the same name is refused: those would make the logged runs stale.
public struct StudyFolder: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    var log: RunLog { RunLog(path: file("runs.jsonl")) }

    public func file(_ relative: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent(relative).path
    }

    /// Creates the folder, or checks that it was made with the same plan and images; records any
    /// new image in settings.json.
    func prepare(for settings: StudySettings) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StudyError("\(path): cannot create the output folder: \(error.localizedDescription)")
        }
        let current = FolderManifest(settings)
        let manifestPath = file("settings.json")
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            try writeAtomically(JSONFormat.encoder(nonFinite: .strings).encode(current), to: "settings.json")
            return
        }
        let stored: FolderManifest
        do {
            stored = try JSONFormat.decoder(nonFinite: .strings).decode(FolderManifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        } catch {
            throw StudyError("\(manifestPath): not a study's settings (\(error)); choose another --out")
        }
        let merged = try stored.merging(current, folder: path)
        if merged != stored {
            try writeAtomically(JSONFormat.encoder(nonFinite: .strings).encode(merged), to: "settings.json")
        }
    }

    /// Takes the folder for this process: a second study writing into the same folder at the same
    /// time would do the same runs twice and interleave the log. The lock (flock on OUT/.lock) goes
    /// with the process, however it ends. Temporary files a killed study left behind are removed.
    func lock() throws -> FolderLock {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(file(".lock")), .readWrite, options: [.create, .closeOnExec],
                                         permissions: FilePermissions(rawValue: 0o644))
        } catch {
            throw StudyError("\(file(".lock")): cannot open: \(error)")
        }
        guard flock(fd.rawValue, LOCK_EX | LOCK_NB) == 0 else {
            try? fd.close()
            throw StudyError("\(path) is in use by another zsn2n reproduce; wait for it or choose another --out")
        }
        removeTemporaryFiles()
        return FolderLock(descriptor: fd)
    }

    /// The `.NAME.RANDOM.tmp` files of `writeAtomically` that a kill left behind.
    private func removeTemporaryFiles() {
        for relative in (try? FileSystem.walk(path)) ?? [] {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") && name.hasSuffix(".tmp") { try? FileSystem.remove(file(relative)) }
        }
    }

    /// Writes `data` to `relative` atomically (the platform's one atomic write): a file under its
    /// final name is always whole.
    func writeAtomically(_ data: Data, to relative: String) throws {
        let target = URL(fileURLWithPath: file(relative))
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        do { try StagedFile.writeAtomically(data, to: target.path) } catch {
            throw StudyError("\(target.path): cannot write: \(error)")
        }
    }
}

/// settings.json: what fixes the result of a run beyond its key.
struct FolderManifest: Codable, Equatable {
    struct ImageEntry: Codable, Equatable {
        var name: String
        var fingerprint: String
    }
    var schema = "zsn2n.study-folder/1"
    var plan: TrainingPlan
    var curveEvery: Int
    var images: [ImageEntry]

    init(_ settings: StudySettings) {
        plan = settings.plan
        curveEvery = settings.curveEvery
        images = settings.images.map { ImageEntry(name: $0.name, fingerprint: $0.fingerprint) }
    }

    /// This manifest with `other`'s new images added; an error when `other` cannot share the folder.
    func merging(_ other: FolderManifest, folder: String) throws -> FolderManifest {
        guard schema == other.schema else {
            throw StudyError("\(folder) holds a study of another format (\(schema)); choose another --out")
        }
        guard plan == other.plan, curveEvery == other.curveEvery else {
            throw StudyError("\(folder) holds runs of another training plan (\(FolderManifest.describe(plan, curveEvery))); this study asks for \(FolderManifest.describe(other.plan, other.curveEvery)). Choose another --out, or delete the folder to start afresh")
        }
        var merged = self
        for image in other.images {
            if let old = images.first(where: { $0.name == image.name }) {
                guard old.fingerprint == image.fingerprint else {
                    throw StudyError("\(folder) holds runs of another image named \(image.name) (its pixels differ: another file or another --crop). Choose another --out, or rename the image")
                }
            } else {
                merged.images.append(image)
            }
        }
        return merged
    }

    static func describe(_ plan: TrainingPlan, _ curveEvery: Int) -> String {
        let crop = plan.crop.map { "random \($0)x\($0) crops" } ?? "the whole image"
        return "\(plan.iterations) iterations, lr \(plan.learningRate) x\(plan.gamma) every \(plan.stepSize), \(crop), PSNR every \(curveEvery)"
    }
}

/// The lock of an output folder (flock on OUT/.lock), held until released.
final class FolderLock {
    private var descriptor: FileDescriptor?
    init(descriptor: FileDescriptor) { self.descriptor = descriptor }
    func release() {
        try? descriptor?.close()  // closing the only descriptor drops the flock
        descriptor = nil
    }
    deinit { release() }
}

/// runs.jsonl: one line per finished run (a `ResultsLog` of JSON lines), appended and fsynced as
/// each run ends, so that a study killed at any moment loses at most the run in progress and
/// resumes from the rest.
struct RunLog {
    let path: String

    /// The records logged so far. A last line cut short by a crash is dropped (and cut from the file,
    /// so the next append starts on a fresh line); any other unreadable line is an error.
    func load() throws -> [RunRecord] {
        let contents: ResultsLog.Contents?
        do { contents = try ResultsLog(path: path).read() } catch let error as SystemError where error.operation == "truncate" {
            throw StudyError("\(path): cannot cut off the unfinished last line: \(error.errno.description)")
        }
        let decoder = JSONFormat.decoder(nonFinite: .strings)
        return try (contents?.lines ?? []).enumerated().map { number, line in
            do { return try decoder.decode(RunRecord.self, from: Data(line.utf8)) } catch {
                throw StudyError("\(path), line \(number + 1): not a run record (\(error)); move the file away to start afresh")
            }
        }
    }

    /// Appends `record` as one line and waits until it is on disk.
    func append(_ record: RunRecord) throws {
        do { try ResultsLog(path: path).append(String(decoding: try JSONFormat.encoder(.line, nonFinite: .strings).encode(record), as: UTF8.self)) } catch {
            throw StudyError("\(path): cannot append: \(error)")
        }
    }
}

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
