import Foundation
import Imaging

/// Runs a study into its folder, resuming: runs already logged in the folder (with their files) are
/// not run again, and each finished run is logged before the next starts.
public final class StudyRunner {
    public let settings: StudySettings
    public let folder: StudyFolder

    public init(settings: StudySettings, folder: StudyFolder) {
        self.settings = settings
        self.folder = folder
    }

    /// The runs of these settings already done in the folder, by key. A logged run whose curve or
    /// montage has gone missing counts as not done, so it is run again (and gives the same result).
    func completedRuns() throws -> [RunKey: RunRecord] {
        let wanted = Set(settings.runs)
        var done: [RunKey: RunRecord] = [:]
        for record in try folder.log.load() where wanted.contains(record.key) && record.iterations == settings.plan.iterations {
            let files = [record.curveFile, record.montageFile].map(folder.file)
            if files.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) { done[record.key] = record }
        }
        return done
    }

    /// Does the runs not done yet, then writes the results.
    /// - `stopAfter`: stop after this many runs (to test the resume; nil for all).
    /// - `begin(skipped, pending)` once the folder is checked: the runs found done, and those this
    ///   call will do.
    /// - `started` before each run; `progress` after every training iteration, returning false
    ///   abandons the run in progress (nothing of it is kept) and stops; `finished` after each run
    ///   is logged.
    public func run(stopAfter: Int? = nil,
                    begin: (_ skipped: [RunKey], _ pending: [RunKey]) -> Void = { _, _ in },
                    started: (RunKey) -> Void = { _ in },
                    progress: (RunProgress) -> Bool = { _ in true },
                    finished: (RunRecord) -> Void = { _ in }) throws -> StudyReport {
        let lock = try folder.lock()
        defer { lock.release() }
        try folder.prepare(for: settings)
        var done = try completedRuns()
        let skipped = settings.runs.filter { done[$0] != nil }
        let pending = settings.runs.filter { done[$0] == nil }
        begin(skipped, pending)
        var executed: [RunKey] = []
        var stopped = false
        for key in pending {
            if let stopAfter, executed.count >= stopAfter { stopped = true; break }
            started(key)
            guard let record = try execute(key, progress: progress) else { stopped = true; break }
            try folder.log.append(record)
            done[key] = record
            executed.append(key)
            try writeResults(done)
            finished(record)
        }
        let (results, table) = try writeResults(done)
        return StudyReport(results: results, table: table, skipped: skipped, executed: executed, stoppedEarly: stopped)
    }

    /// Trains one run and writes its curve and montage; nil when `progress` stopped it.
    func execute(_ key: RunKey, progress: (RunProgress) -> Bool) throws -> RunRecord? {
        guard let image = settings.image(named: key.image), let sampler = settings.sampler(named: key.sampler),
              let noise = settings.noise(named: key.noise) else {
            preconditionFailure("a run key outside its settings: \(key)")
        }
        guard let outcome = try StudyRun.execute(key, clean: image.image, sampler: sampler, noise: noise,
                                                 plan: settings.plan, curveEvery: settings.curveEvery,
                                                 parallel: settings.parallel, shouldContinue: progress) else { return nil }
        let record = outcome.record
        let chart = CurveChart.svg(curve: record.curve, noisyPSNR: record.psnrNoisy,
                                   title: "\(key.image), \(key.noise), \(key.sampler), seed \(key.seed)")
        try folder.writeAtomically(Data(chart.utf8), to: record.curveFile)
        let montage = Montage.make(noisy: outcome.noisy, clean: image.image, denoised: outcome.denoised,
                                   sampler: sampler, seed: key.seed)
        try folder.writeAtomically(Data(ImageIO.encode(montage, format: .png)), to: record.montageFile)
        return record
    }

    @discardableResult
    func writeResults(_ done: [RunKey: RunRecord]) throws -> (StudyResults, String) {
        let records = settings.runs.compactMap { done[$0] }
        let results = StudyResults(settings: settings, records: records)
        let table = TableText.render(results.table, samplers: settings.samplers.map(\.name),
                                     done: results.runsDone, total: results.runsTotal)
        try ResultsFiles.write(results, table: table, to: folder)
        return (results, table)
    }
}

/// What a call of `StudyRunner.run` did.
public struct StudyReport {
    public var results: StudyResults
    /// The table as printed (and written to table.md).
    public var table: String
    /// Runs found done in the folder and not run again.
    public var skipped: [RunKey]
    /// Runs done by this call, in order.
    public var executed: [RunKey]
    /// True when the call stopped before every run was done (asked to, or interrupted).
    public var stoppedEarly: Bool
}
