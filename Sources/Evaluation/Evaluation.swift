import Foundation
import Pipeline
import Platform

/// The project's quality benchmark (`zsn2n evaluate`) without its command line: methods x sets,
/// each image denoised with its clean reference beside it (or handed to an external command), a
/// row per measurement appended to the results CSV as it is made (a run resumes where it
/// stopped), and the means per set and method made from the rows.
public struct Evaluation: Sendable {
    public var sets: [EvaluationSet]
    public var methods: [EvaluationMethod]
    /// Where synthetic sets' images are made (WORK/SET/noisy, WORK/SET/clean) and external
    /// commands write their outputs (WORK/.external).
    public var work: String
    /// The seed of a synthetic set's first image; each next image takes the next seed.
    public var noiseSeed: UInt64

    /// One measurement to make: a method on one pair of a set.
    public struct Run: Sendable {
        public var set: EvaluationSet
        public var pair: EvaluationSet.Pair
        public var method: EvaluationMethod

        /// `METHOD SET/IMAGE`, as progress and messages name it.
        public var label: String { "\(method.label) \(set.name)/\(pair.image)" }
    }

    /// Two sets of one name, or two methods of one label, would mix their rows: refused.
    public init(sets: [EvaluationSet], methods: [EvaluationMethod], work: String, noiseSeed: UInt64) throws {
        for (i, s) in sets.enumerated() where sets[..<i].contains(where: { $0.name == s.name }) {
            throw EvaluationError.usage("--set: '\(s.name)' is given twice")
        }
        for (i, m) in methods.enumerated() where methods[..<i].contains(where: { $0.label == m.label }) {
            throw EvaluationError.usage("the method '\(m.label)' is given twice")
        }
        self.sets = sets
        self.methods = methods
        self.work = work
        self.noiseSeed = noiseSeed
    }

    /// The runs whose rows `results` does not hold yet, set by set, image by image, method by
    /// method. A synthetic set's images are made here, once (later calls reuse them).
    public func pending(in results: EvaluationResults) throws -> [Run] {
        var runs: [Run] = []
        for set in sets {
            for pair in try set.pairs(work: work, seed: noiseSeed) {
                for method in methods where !results.contains(method: method.label, set: set.name, image: pair.image) {
                    runs.append(Run(set: set, pair: pair, method: method))
                }
            }
        }
        return runs
    }

    /// Measures `runs` (by default the pending ones), appending each row as it is made. A run that
    /// fails is handed to `failed` and the others go on; the count of failures is returned. A
    /// cancellation stops at the run in progress (nothing of it is kept) and throws
    /// `Cancellation.Cancelled`.
    /// - `started(position, count, run)` before each run; `progress(fraction)` during it.
    @discardableResult
    public func run(_ runs: [Run]? = nil, into results: inout EvaluationResults, cancellation: Cancellation = Cancellation(),
                    started: (_ position: Int, _ count: Int, _ run: Run) -> Void = { _, _, _ in },
                    progress: (_ fraction: Double) -> Void = { _ in },
                    failed: (_ run: Run, _ error: Error) -> Void = { _, _ in }) throws -> Int {
        let runs = try runs ?? pending(in: results)
        let scratch = FileSystem.join(work, ".external")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        var failures = 0
        for (position, run) in runs.enumerated() {
            started(position, runs.count, run)
            do {
                try results.append(run.method.measure(run.pair, set: run.set.name, scratch: scratch,
                                                      cancellation: cancellation, progress: progress))
            } catch let cancelled as Cancellation.Cancelled {
                throw cancelled
            } catch {
                failures += 1
                failed(run, error)
            }
        }
        return failures
    }
}

/// Why an evaluation cannot go on, said for the user to fix. `isUsage`: the command line named a
/// set or a method that is not one, or a folder that cannot be listed (`zsn2n evaluate` answers
/// those with its usage, exit 64); otherwise a set, the results file or an external command failed.
public struct EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public var isUsage: Bool

    public init(_ description: String, isUsage: Bool = false) {
        self.description = description
        self.isUsage = isUsage
    }

    static func usage(_ description: String) -> EvaluationError { EvaluationError(description, isUsage: true) }
}
