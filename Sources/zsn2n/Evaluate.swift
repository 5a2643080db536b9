import ArgumentParser
import Denoiser
import Foundation
import Pipeline
import Platform

/// `zsn2n evaluate`: the project's quality benchmark. Methods x sets, each image denoised with its
/// clean reference beside it; the rows go to a CSV as they are measured (a run resumes where it
/// stopped), the means per set and method to a JSON file and to stdout.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure denoising methods on sets of noisy images with clean references: mean PSNR, SSIM and seconds per image.",
        discussion: """
        A set is NAME=DIR, where DIR holds noisy/NAME and clean/NAME image pairs (real noise), or \
        NAME=DIR@MODEL[@gray], where DIR holds clean images and MODEL (gauss:S, poisson:L) is drawn on \
        each, seeded (--noise-seed plus the image's position), after turning it gray with @gray; those \
        noisy images are made once under --work. A method is pixel-bank or zs-n2n, or pixel-bank with \
        mechanisms taken away for an ablation: pixel-bank~stride, ~acceptance, ~draws, ~symmetries, ~aggregation, \
        combined as pixel-bank~draws~symmetries.

        Rows already in the CSV are not measured again, and rows that other tools append (the same \
        columns; scripts/evaluate.sh adds BM3D's) join the summary. Each set's means are over the \
        images that every method has finished, so a run under way still compares like with like.
        """)

    @Option(name: .customLong("set"), help: ArgumentHelp("A set: NAME=DIR or NAME=DIR@MODEL[@gray] (repeat for more).", valueName: "spec"))
    var sets: [String] = []
    @Option(name: .customLong("method"), help: ArgumentHelp("A method to measure (repeat for more).", valueName: "method"))
    var methods: [String] = [DenoisingMethods.standard.name, ZSN2NMethod.name]
    @Option(name: .customLong("external"), help: ArgumentHelp("Another denoiser to measure: NAME=COMMAND, run as COMMAND NOISY OUTPUT (repeat for more).", valueName: "spec"))
    var externals: [String] = []
    @OptionGroup var training: TrainingOptions
    @Option(help: "First seed of the synthetic noise.") var noiseSeed: UInt64 = 100
    @Option(help: "Rows, one per method, set and image (appended; resumed).") var csv = "evaluation.csv"
    @Option(help: "Means per set and method (default: the CSV's name with .json).") var json: String?
    @Option(help: "Where synthetic sets' images are made (default: beside the CSV, NAME.sets).") var work: String?
    @Flag(help: "Measure nothing: the summary of the rows in the CSV only.") var summarize = false

    func run() throws {
        let chosen = try sets.map(EvaluationSet.init(parsing:))
        for (i, s) in chosen.enumerated() where chosen[..<i].contains(where: { $0.name == s.name }) {
            throw ValidationError("--set: '\(s.name)' is given twice")
        }
        guard summarize || !chosen.isEmpty else { throw ValidationError("give at least one --set, or --summarize") }
        let measured = try methods.map { try EvaluationMethod(ours: $0, training: training.settings) } + externals.map(EvaluationMethod.init(external:))
        for (i, m) in measured.enumerated() where measured[..<i].contains(where: { $0.label == m.label }) {
            throw ValidationError("the method '\(m.label)' is given twice")
        }
        var results = try EvaluationResults(path: csv)
        let stem = (csv as NSString).deletingPathExtension
        let jsonPath = json ?? stem + ".json"
        var failed = 0
        if !summarize {
            let workFolder = work ?? stem + ".sets"
            var runs: [(set: EvaluationSet, pair: EvaluationSet.Pair, method: EvaluationMethod)] = []
            for set in chosen {
                for pair in try set.pairs(work: workFolder, seed: noiseSeed) {
                    for m in measured where !results.contains(method: m.label, set: set.name, image: pair.image) {
                        runs.append((set, pair, m))
                    }
                }
            }
            let scratch = FileSystem.join(workFolder, ".external")
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let interrupt = Interrupt(cancelling: Cancellation())
            let bar = ProgressBar(label: "evaluate")
            for (position, run) in runs.enumerated() {
                let detail = "\(run.method.label) \(run.set.name)/\(run.pair.image)"
                bar.update(done: position, total: runs.count, detail: detail)
                do {
                    try results.append(run.method.measure(run.pair, set: run.set.name, scratch: scratch,
                                                          cancellation: interrupt.cancellation) { fraction in
                        bar.update(done: position, total: runs.count, detail: detail + String(format: " %3.0f%%", fraction * 100))
                    })
                } catch is Cancellation.Cancelled {
                    bar.finish()
                    note("interrupted at \(detail); the rows measured so far are in \(csv)")
                    throw ExitCode(130)
                } catch {
                    failed += 1
                    note("Error: \(detail): \(error)")
                }
            }
            bar.update(done: runs.count, total: runs.count)
            bar.finish()
        }
        let summary = results.summary(order: chosen.map(\.name))
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try StagedFile.writeAtomically(try encoder.encode(["sets": summary]), to: jsonPath)
        print(EvaluationResults.table(summary))
        print("rows: \(csv)   means: \(jsonPath)")
        if failed > 0 { throw ExitCode(1) }
    }
}
