import ArgumentParser
import Denoiser
import Engine
import Foundation
import Imaging
import Pipeline
import Study

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run the sampler study: images x noise settings x samplers x seeds, with tables, curves and montages.",
        discussion: """
        Every run noises a clean image (the same noisy image for every sampler: its seed comes from \
        the noise setting, the image's name and the run's seed), trains with the paper recipe, and \
        records PSNR every 10 iterations, the final PSNR and SSIM, the output's Sobel and Brenner \
        sharpness, the loss and the time. Prints one table per image (rows: noise settings, \
        columns: samplers, as the study's), a mean over images, and per noise setting Spearman's \
        rank correlation of the Sobel and Brenner orders of the samplers with their PSNR order. \
        Writes OUT/results.csv, curves.csv, results.json, table.md and, per run, \
        OUT/runs/IMAGE/NOISE/SAMPLER-seedN-curve.svg and -montage.png. Interrupted, it resumes: \
        run the same command again and only the runs not yet done are done.
        """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Clean images, or folders of them (default: data/study, the repository's 128x128 crops of camera.png and astronaut.png).",
        valueName: "files-or-folders"))
    var images: [String] = []
    @Option(help: "Samplers, comma-separated: names, 'study' (the study's eight, the default) or 'all' (every built-in and declared one).")
    var samplers = "study"
    @Option(help: ArgumentHelp("Declare a kernel pair sampler as JSON, as for denoise; name it in --samplers. Repeatable. In an output folder a sampler is known by its name: give changed kernels a new name.",
                               valueName: "json"))
    var declare: [String] = []
    @Option(help: "Noise settings, comma-separated: gauss:SIGMA, poisson:PEAK, saltpepper:P.")
    var noise = "gauss:25,gauss:50,gauss:100"
    @Option(help: "Seeds per sampler: seeds first-seed ... first-seed + N - 1.") var seeds = 1
    @Option(help: "The first seed.") var firstSeed: UInt64 = 0
    @Option(help: ArgumentHelp("Give a sampler its own number of seeds, e.g. original=3 (as the study did); comma-separated or repeated.",
                               valueName: "name=n"))
    var seedsFor: [String] = []
    @Option(help: "Training iterations (default: the paper recipe's 3000; its StepLR steps scale with it).")
    var iterations: Int?
    @Option(help: "Cut each image to its centre N x N pixels first.") var crop: Int?
    @Option(help: "Measure PSNR every N iterations (the study plotted every 10).") var psnrEvery = 10
    @Option(help: "Output folder.") var out = "study"
    @OptionGroup var engine: ThreadOptions
    /// For the resume tests: stop cleanly after this many runs, as an interruption would.
    @Option(help: .hidden) var stopAfter: Int?

    func run() throws {
        let settings = try studySettings()
        let runner = StudyRunner(settings: settings, folder: StudyFolder(path: out))
        let total = settings.runs.count
        let interrupt = Interrupt(cancelling: Cancellation())
        let bar = ProgressBar(label: "reproduce")
        var alreadyDone = 0, finishedHere = 0, pendingCount = 0, current = ""
        let report: StudyReport
        do {
            report = try runner.run(
                stopAfter: stopAfter,
                begin: { skipped, pending in
                    alreadyDone = skipped.count
                    pendingCount = pending.count
                    note("zsn2n reproduce: \(settings.images.count) image(s) x \(settings.noises.count) noise setting(s) x \(settings.samplers.count) sampler(s), \(total) runs of \(settings.plan.iterations) iterations into \(out)/"
                         + (alreadyDone > 0 ? " (\(alreadyDone) already done there, \(pendingCount) to go)" : ""))
                },
                started: { key in current = "\(key.image) \(key.noise) \(key.sampler) #\(key.seed)" },
                progress: { p in
                    bar.update(done: finishedHere * p.iterations + p.iteration, total: pendingCount * p.iterations,
                               detail: "run \(alreadyDone + finishedHere + 1)/\(total) \(current)")
                    return !interrupt.requested
                },
                finished: { record in
                    finishedHere += 1
                    note(String(format: "[%d/%d] %@: PSNR %.2f dB (noisy %.2f), SSIM %.3f, %.0f s",
                                alreadyDone + finishedHere, total, record.key.description, record.psnr,
                                record.psnrNoisy, record.ssim, record.seconds))
                })
            bar.finish()
        } catch {
            bar.finish()
            throw ExitFailure("\(error)")
        }
        print(report.table, terminator: "")
        let left = total - report.results.runsDone
        note("wrote \(out)/results.csv, curves.csv, results.json, table.md and runs/ (\(report.results.runsDone) curves and montages)")
        if interrupt.requested {
            note("interrupted: \(left) run(s) left; run the same command again to continue")
            throw ExitCode(130)
        }
        if left > 0 { note("stopped after \(report.executed.count) run(s): \(left) left; run the same command again to continue") }
    }

    /// The options, checked and turned into the study's settings.
    func studySettings() throws -> StudySettings {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        guard psnrEvery >= 1 else { throw ValidationError("--psnr-every must be at least 1") }
        if let stopAfter, stopAfter < 0 { throw ValidationError("--stop-after must be at least 0") }

        let chosenSamplers = try parseSamplers(samplers)
        let noises = try list(noise).map { text in
            do { return try NoiseModel(parsing: text) } catch { throw ValidationError("--noise: \(error)") }
        }
        var perSampler: [String: [UInt64]] = [:]
        for entry in seedsFor.flatMap(list) {
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[1]), n >= 1 else {
                throw ValidationError("--seeds-for: expected NAME=N with N >= 1, got '\(entry)'")
            }
            guard let sampler = chosenSamplers.first(where: { $0.name.lowercased() == parts[0].lowercased() }) else {
                throw ValidationError("--seeds-for: '\(parts[0])' is not among the chosen samplers (\(chosenSamplers.map(\.name).joined(separator: ", ")))")
            }
            perSampler[sampler.name] = seedRange(n)
        }
        var plan = ZSN2NMethod.plan(.paper)
        if let iterations { plan = plan.with(iterations: iterations) }
        do {
            let files = try StudyImage.expand(images.isEmpty ? [try Reproduce.defaultImageFolder()] : images)
            return try StudySettings(images: files.map { try StudyImage.load($0, crop: crop) }, samplers: chosenSamplers,
                                     noises: noises, seeds: seedRange(seeds), seedsBySampler: perSampler,
                                     plan: plan, curveEvery: psnrEvery,
                                     parallel: try engine.parallel())
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func seedRange(_ n: Int) -> [UInt64] { (0..<UInt64(n)).map { firstSeed + $0 } }

    func parseSamplers(_ text: String) throws -> [Sampler] {
        let declared = try Denoise.declarations(declare).map { declaration in
            do { return try declaration.sampler() } catch { throw ValidationError("--declare: \(error)") }
        }
        let known = Sampler.builtins + declared
        let names = list(text)
        if names.map({ $0.lowercased() }) == ["all"] { return known }
        if names.map({ $0.lowercased() }) == ["study"] { return Sampler.study }
        guard !names.isEmpty else { throw ValidationError("--samplers: no sampler named") }
        return try names.map { name in
            guard let sampler = known.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw ValidationError("--samplers: unknown sampler '\(name)'; known: \(known.map(\.name).joined(separator: ", ")), or 'study', or 'all'")
            }
            return sampler
        }
    }

    func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// data/study in the current folder, else in the repository the binary was built in (found by
    /// walking up from the executable, which lives in .build/CONFIG/).
    static func defaultImageFolder() throws -> String {
        let relative = "data/study"
        if FileManager.default.fileExists(atPath: relative) { return relative }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.pathComponents.count > 1 {
            let candidate = url.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        throw ValidationError("no --images given and no data/study folder here or above the zsn2n binary; run from the repository's top or pass --images")
    }
}
