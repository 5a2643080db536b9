import ArgumentParser
import Denoiser
import Foundation
import Imaging
import Pipeline
import Platform

struct Denoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Denoise one image by training a small network on it alone (Zero-Shot Noise2Noise).",
        discussion: """
        Writes OUT (default: IN with '.denoised' before the extension) in IN's format and bit depth; \
        alpha is carried through untouched. With --json, prints the sidecar document (the same one \
        zsn2nd writes) on stdout; with --sidecar, writes it to a file.
        """)

    @Argument(help: "The noisy image (PNG or JPEG).") var input: String
    @Option(name: .shortAndLong, help: "Where to write the denoised image.") var output: String?
    @Option(help: "Sampler (see `zsn2n samplers`), or the name of one given with --declare.") var sampler = "original"
    @Option(help: "Training preset: \(Preset.all.map(\.name).joined(separator: ", ")).") var preset = Preset.balanced.name
    @Option(help: "Training iterations (overrides the preset's; its schedule is scaled to match).") var iterations: Int?
    @Option(help: "Random seed: the same seed gives the same output.") var seed: UInt64 = 0
    @Option(help: "Engine threads (default: every core).") var threads: Int?
    @Option(help: "A clean version of the image: adds PSNR and SSIM to the report.") var reference: String?
    @Option(help: "Write the sidecar JSON document to this file.") var sidecar: String?
    @Option(help: "JPEG quality of a JPEG output (1-100).") var jpegQuality = 95
    @Option(help: "Refuse images with more pixels than this (checked before decoding).") var maxPixels = ImageIO.defaultMaxPixels
    @Option(help: ArgumentHelp("Declare a kernel pair sampler as JSON: {\"name\":\"mine\",\"k1\":[[0,0.5],[0.5,0]],\"k2\":[[0.5,0],[0,0.5]],\"stride\":2,\"divisor\":1}.", valueName: "json"))
    var declare: [String] = []
    @Flag(help: "Print the sidecar document on stdout instead of the summary.") var json = false
    @Option(help: "Train on random crops of this side (overrides the preset's).") var crop: Int?
    @Option(help: "Crops per iteration (overrides the preset's).") var batch: Int?
    @Option(help: "Adam's learning rate (overrides the preset's).") var learningRate: Double?

    func run() throws {
        let options: DenoiseOptions
        do {
            options = try DenoiseOptions(sampler: sampler, preset: preset, iterations: iterations, seed: seed,
                                         threads: threads ?? 0, maxPixels: maxPixels, jpegQuality: jpegQuality,
                                         declarations: try Denoise.declarations(declare), crop: crop, batch: batch,
                                         learningRate: learningRate)
        } catch let error as SettingsError {
            throw ValidationError("\(error.option): \(error.reason)")
        }
        let out = output ?? Denoise.defaultOutput(for: input)
        guard URL(fileURLWithPath: out).standardizedFileURL != URL(fileURLWithPath: input).standardizedFileURL else {
            throw ValidationError("the output would overwrite the input \(input); choose another -o")
        }

        let interrupt = Interrupt(cancelling: Cancellation())
        let bar = ProgressBar(label: URL(fileURLWithPath: input).lastPathComponent)
        let result: DenoisedImage
        do {
            let file = try InputFile(opening: input)
            result = try DenoisePipeline.run(file, reference: reference, options: options,
                                             cancellation: interrupt.cancellation) { p in
                bar.update(done: p.iteration, total: p.total, detail: String(format: "loss %.5f", p.loss))
            }
            bar.finish()
        } catch {
            bar.finish()
            throw ExitFailure("\(error)")
        }
        let outputName = URL(fileURLWithPath: out).lastPathComponent
        let document = try result.sidecar(outputFile: outputName).jsonData()
        do {
            try StagedFile.writeAtomically(to: out) { try result.write(to: $0, displayName: out) }
            if let sidecar { try StagedFile.writeAtomically(document, to: sidecar) }
        } catch {
            throw ExitFailure("\(error)")
        }
        if json {
            print(String(decoding: document, as: UTF8.self))
        } else {
            print(Denoise.summary(result.sidecar(outputFile: outputName), output: out))
        }
    }

    /// The `--declare` options, each one kernel pair as JSON.
    static func declarations(_ texts: [String]) throws -> [DeclaredSampler] {
        try texts.map { text in
            do { return try JSONDecoder().decode(DeclaredSampler.self, from: Data(text.utf8)) } catch {
                throw ValidationError("--declare: not a kernel pair declaration (\(error)): \(text)")
            }
        }
    }

    static func defaultOutput(for input: String) -> String {
        let url = URL(fileURLWithPath: input)
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().path
        return ext.isEmpty ? stem + ".denoised" : stem + ".denoised." + ext
    }

    static func summary(_ s: Sidecar, output: String) -> String {
        var lines = [
            String(format: "%@: %dx%d %@ %d-bit, %@, preset %@, %d iterations, %.1f s (training %.1f s)",
                   output, s.input.width, s.input.height, s.input.colorType, s.output.bitDepth, s.denoiser.sampler,
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
