import ArgumentParser
import Denoiser
import Foundation
import Imaging
import Pipeline
import Platform

struct Denoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Denoise images by training a small network on each alone (pixel banks by default, or Zero-Shot Noise2Noise).",
        discussion: """
        Takes files and folders (a folder's \(ImageSourceInfo.Format.extensionsListed("and")) files, not its subfolders). Each \
        output goes beside its input as NAME.denoised.EXT, or to -o OUT (one input), or into \
        --output-dir DIR as DIR/NAME with its sidecar DIR/NAME.json (the daemon's naming). The \
        output's format follows its extension, at the input's bit depth where the format has it; \
        alpha is carried through untouched. Nothing is written over an input (whatever link leads \
        to it) or over an existing file unless --force; the output folder is checked before \
        training. One file failing does not stop the others. With --json, each file's sidecar \
        document (the one zsn2nd writes) is printed on stdout.

        --shard K/N (K from 0) takes every N-th file of the sorted list, starting at the K-th, so \
        that N processes split one folder with no coordinator; it is also read from a Slurm job \
        array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT) and from a \
        Kubernetes Indexed Job (JOB_COMPLETION_INDEX of ZSN2N_SHARD_COUNT).

        Exit status: 0 every file denoised (or skipped), 1 a file failed, 64 a usage error, 130 \
        interrupted (Ctrl-C stops at the end of the current iteration and writes nothing for \
        that file).
        """)

    @Argument(help: "Noisy images (PNG, JPEG or TIFF), or folders of them.") var inputs: [String]
    @Option(name: .shortAndLong, help: "Where to write the denoised image (one input only).") var output: String?
    @Option(help: "Write each output as DIR/NAME, with its sidecar DIR/NAME.json.") var outputDir: String?
    @Flag(help: "Replace outputs that exist already (never an input).") var force = false
    @Flag(help: "Leave outputs that exist already, and count their inputs as done.") var skipExisting = false
    @Option(help: ArgumentHelp("Take only this share of the files: K/N, K from 0.", valueName: "K/N")) var shard: String?
    @OptionGroup var denoising: DenoisingOptions
    @Option(help: "A clean version of the image: adds PSNR and SSIM to the report (one input only).") var reference: String?
    @Option(help: "Write the sidecar JSON document to this file (one input only).") var sidecar: String?
    @Flag(help: "Print each sidecar document on stdout instead of the summary.") var json = false

    func run() throws {
        let options = try denoising.options()
        guard !(force && skipExisting) else { throw ValidationError("--force and --skip-existing exclude each other") }
        guard output == nil || outputDir == nil else { throw ValidationError("-o and --output-dir exclude each other") }
        let (files, undecodable) = try DenoiseTarget.expand(inputs)
        guard !files.isEmpty || !undecodable.isEmpty else { throw ValidationError("no image files in \(inputs.joined(separator: ", "))") }
        if files.count > 1 {
            for (given, name) in [(output, "-o"), (sidecar, "--sidecar"), (reference, "--reference")] where given != nil {
                throw ValidationError("\(name) takes one input, but \(files.count) were given; use --output-dir for many")
            }
        }
        let chosenShard = try shard.map { try Shard(parsing: $0, source: "--shard") }
            ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment)
        let targets = try DenoiseTarget.plan(files, output: output, outputDirectory: outputDir, sidecar: sidecar)
            .enumerated().filter { chosenShard?.contains($0.offset) ?? true }.map(\.element)
        let guardrail = OutputGuard(inputs: files, existing: force ? .replace : skipExisting ? .skip : .refuse)

        let interrupt = Interrupt(cancelling: Cancellation())
        let started = Date()
        var counts = (done: 0, failed: 0, skipped: 0)
        for path in undecodable {
            note("Error: \(path): the file name is not valid UTF-8 (shown with those bytes as %XX); rename it")
            counts.failed += 1
        }
        for (position, target) in targets.enumerated() {
            let label = targets.count > 1 ? "[\(position + 1)/\(targets.count)] \(target.input)" : target.input
            do {
                if try denoise(target, options: options, guardrail: guardrail, cancellation: interrupt.cancellation,
                               label: label, overall: (position, targets.count, started)) {
                    counts.done += 1
                } else {
                    counts.skipped += 1
                    note("\(label): \(target.output) exists; skipped")
                }
            } catch is Cancellation.Cancelled {
                note("interrupted at \(target.input); nothing written for it")
                throw ExitCode(130)
            } catch {
                counts.failed += 1
                if targets.count == 1 { throw error }
                note("Error: \(error)")
            }
        }
        if targets.count + undecodable.count > 1 {
            note(String(format: "zsn2n denoise: %d denoised, %d failed, %d skipped%@ in %.1f s", counts.done, counts.failed,
                        counts.skipped, chosenShard.map { " (shard \($0) of \(files.count) files)" } ?? "",
                        Date().timeIntervalSince(started)))
        }
        if counts.failed > 0 { throw ExitCode(1) }
    }

    /// One file: checks, trains, writes. False when it was skipped (its output exists).
    private func denoise(_ target: DenoiseTarget, options: DenoiseOptions, guardrail: OutputGuard,
                         cancellation: Cancellation, label: String,
                         overall: (position: Int, count: Int, started: Date)) throws -> Bool {
        // Everything that could refuse the writes is checked before the training.
        for path in [target.output] + (target.sidecar.map { [$0] } ?? []) {
            if try guardrail.check(path) == .skip { return false }
        }
        let bar = ProgressBar(label: label)
        let result: DenoisedImage
        do {
            let file = try InputFile(opening: target.input)
            result = try DenoisePipeline.run(file, reference: reference, options: options, outputFormat: target.format,
                                             cancellation: cancellation) { p in
                var detail = String(format: "loss %.5f", p.loss)
                if overall.count > 1 {
                    let fraction = (Double(overall.position) + p.fraction) / Double(overall.count)
                    let elapsed = Date().timeIntervalSince(overall.started)
                    detail += " all " + ProgressBar.clock(elapsed / max(fraction, 1e-9) * (1 - fraction))
                }
                bar.update(done: p.iteration, total: p.total, detail: detail)
            }
            bar.finish()
        } catch let error as PipelineError {
            bar.finish()
            throw ExitFailure("\(error)")
        } catch {
            bar.finish()
            throw error
        }
        let outputName = (target.output as NSString).lastPathComponent
        let document = try result.sidecar(outputFile: outputName).jsonData()
        let replacing = guardrail.existing == .replace
        do {
            // Both are staged before either gets its name: a full disk leaves neither.
            func folder(_ path: String) -> String {
                let folder = (path as NSString).deletingLastPathComponent
                return folder.isEmpty ? "." : folder
            }
            let image = try StagedFile.write(in: folder(target.output),
                                             temporaryName: StagedFile.temporaryName(for: outputName)) {
                try result.write(to: $0, displayName: target.output)
            }
            defer { image.discard() }
            let sidecar = try target.sidecar.map { path in
                try StagedFile.write(document, in: folder(path),
                                     temporaryName: StagedFile.temporaryName(for: (path as NSString).lastPathComponent))
            }
            defer { sidecar?.discard() }
            var files = [(staged: image, path: target.output)]
            if let sidecar, let path = target.sidecar { files.append((sidecar, path)) }
            if let taken = try StagedFile.commit(files.map { ($0.staged, ($0.path as NSString).lastPathComponent) },
                                                 replacing: replacing) {
                throw SystemError("rename", files[taken].path, .fileExists)
            }
        } catch {
            throw ExitFailure("\(error)")
        }
        if json {
            print(String(decoding: document, as: UTF8.self))
        } else {
            print(Denoise.summary(result.sidecar(outputFile: outputName), method: result.headline, output: target.output))
        }
        return true
    }

    /// The `--declare` options, each one kernel pair as JSON.
    static func declarations(_ texts: [String]) throws -> [DeclaredSampler] {
        try texts.map { text in
            do { return try JSONDecoder().decode(DeclaredSampler.self, from: Data(text.utf8)) } catch {
                throw ValidationError("--declare: not a kernel pair declaration (\(error)): \(text)")
            }
        }
    }

    static func summary(_ s: Sidecar, method: String, output: String) -> String {
        var lines = [
            String(format: "%@: %dx%d %@ %d-bit, %@, preset %@, %d iterations, %.1f s (training %.1f s)",
                   output, s.input.width, s.input.height, s.input.colorType, s.output.bitDepth,
                   method,
                   s.denoiser.preset, s.denoiser.iterations, s.timing.totalS, s.timing.trainS),
            String(format: "  noise sigma %.2f -> %.2f   sobel %.5f -> %.5f   brenner %.5f -> %.5f",
                   s.metrics.input.noiseSigma.value, s.metrics.output.noiseSigma.value,
                   s.metrics.input.sobel.value, s.metrics.output.sobel.value,
                   s.metrics.input.brenner.value, s.metrics.output.brenner.value),
        ]
        if let r = s.metrics.reference {
            lines.append(String(format: "  against %@: PSNR %.2f -> %.2f dB   SSIM %.4f -> %.4f", r.file,
                                r.psnrInput.value, r.psnrOutput.value, r.ssimInput.value, r.ssimOutput.value))
        }
        return lines.joined(separator: "\n")
    }
}
