import ArgumentParser
import Denoiser
import Evaluation
import Foundation
import Pipeline

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
        do { try evaluate() } catch let error as EvaluationError {
            if error.isUsage { throw ValidationError(error.description) }
            throw ExitFailure(error.description)
        }
    }

    private func evaluate() throws {
        let chosen = try sets.map(EvaluationSet.init(parsing:))
        guard summarize || !chosen.isEmpty else { throw ValidationError("give at least one --set, or --summarize") }
        let measured = try methods.map { try EvaluationMethod(ours: $0, training: training.settings) }
            + externals.map(EvaluationMethod.init(external:))
        let stem = (csv as NSString).deletingPathExtension
        let evaluation = try Evaluation(sets: chosen, methods: measured, work: work ?? stem + ".sets", noiseSeed: noiseSeed)
        var results = try EvaluationResults(path: csv)
        if let cut = results.cutShort { note("\(csv): the last row was cut short and is measured again: \(cut)") }
        var failed = 0
        if !summarize {
            let runs = try evaluation.pending(in: results)
            let interrupt = Interrupt(cancelling: Cancellation())
            let bar = ProgressBar(label: "evaluate")
            var current = (position: 0, count: runs.count, detail: "")
            do {
                failed = try evaluation.run(
                    runs, into: &results, cancellation: interrupt.cancellation,
                    started: { position, count, run in
                        current = (position, count, run.label)
                        bar.update(done: position, total: count, detail: run.label)
                    },
                    progress: { fraction in
                        bar.update(done: current.position, total: current.count,
                                   detail: current.detail + String(format: " %3.0f%%", fraction * 100))
                    },
                    failed: { run, error in note("Error: \(run.label): \(error)") })
            } catch is Cancellation.Cancelled {
                bar.finish()
                note("interrupted at \(current.detail); the rows measured so far are in \(csv)")
                throw ExitCode(130)
            }
            bar.update(done: runs.count, total: runs.count)
            bar.finish()
        }
        let jsonPath = json ?? stem + ".json"
        let summary = try results.writeSummary(to: jsonPath, order: chosen.map(\.name))
        print(EvaluationResults.table(summary))
        print("rows: \(csv)   means: \(jsonPath)")
        if failed > 0 { throw ExitCode(1) }
    }
}
