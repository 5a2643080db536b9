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
