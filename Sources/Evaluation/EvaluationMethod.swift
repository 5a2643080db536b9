import Denoiser
import Foundation
import Imaging
import Pipeline
import Platform

/// A method an evaluation measures: one of ours (its options), or an external command run on
/// each noisy image (`COMMAND NOISY OUTPUT`, writing the denoised image to OUTPUT), measured with
/// the same metrics and the same clock, so that a table compares like with like.
public struct EvaluationMethod: Sendable {
    public enum Kind: Sendable {
        case ours(DenoiseOptions)
        case external([String])
    }

    /// The name its rows carry: the spec (`pixel-bank~draws`) or the external's NAME.
    public var label: String
    public var kind: Kind

    /// METHOD, or pixel-bank~MECHANISM... for the ablation, trained as `training` says.
    public init(ours spec: String, training: DenoiseSettings) throws {
        var settings = training
        settings.method = spec
        do {
            kind = .ours(try DenoiseOptions(validating: settings))
        } catch let error as SettingsError {
            throw EvaluationError.usage("--method \(spec): \(error.reason)")
        }
        label = spec
    }

    /// NAME=COMMAND: the command's words, split at spaces.
    public init(external spec: String) throws {
        guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex else {
            throw EvaluationError.usage("--external \(spec): expected NAME=COMMAND")
        }
        let words = spec[spec.index(after: equals)...].split(separator: " ").map(String.init)
        guard !words.isEmpty else { throw EvaluationError.usage("--external \(spec): no command") }
        label = String(spec[..<equals])
        kind = .external(words)
    }

    /// One pair denoised and measured. `scratch`: where an external command writes its output.
    func measure(_ pair: EvaluationSet.Pair, set: String, scratch: String, cancellation: Cancellation,
                 progress: (Double) -> Void) throws -> EvaluationResults.Row {
        switch kind {
        case .ours(let options):
            let file = try InputFile(opening: pair.noisy)
            let result = try DenoisePipeline.run(file, reference: pair.clean, options: options,
                                                 cancellation: cancellation) { progress($0.fraction) }
            let s = result.sidecar(outputFile: "")
            let r = s.metrics.reference!
            return .init(method: label, set: set, image: pair.image, width: s.input.width, height: s.input.height,
                         channels: s.input.channels, psnrNoisy: r.psnrInput.value, ssimNoisy: r.ssimInput.value,
                         psnr: r.psnrOutput.value, ssim: r.ssimOutput.value, seconds: s.timing.totalS)
        case .external(let words):
            let (noisy, _) = try ImageIO.read(pair.noisy)
            let (clean, _) = try ImageIO.read(pair.clean)
            let output = FileSystem.join(scratch, "\(label).png")
            try? FileManager.default.removeItem(atPath: output)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = words + [pair.noisy, output]
            process.standardOutput = FileHandle.nullDevice
            // Its messages are shown only when it fails: they would break the progress line.
            let messages = Pipe()
            process.standardError = messages
            let started = Date()
            try process.run()
            let said = messages.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let seconds = Date().timeIntervalSince(started)
            if cancellation.isRequested { throw Cancellation.Cancelled() }
            guard process.terminationStatus == 0 else {
                throw EvaluationError("\(words.joined(separator: " ")) \(pair.noisy): exit status \(process.terminationStatus): "
                                  + String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let (denoised, _) = try ImageIO.read(output)
            guard denoised.width == clean.width, denoised.height == clean.height, denoised.channels == clean.channels else {
                throw EvaluationError("\(label) wrote a \(denoised.width)x\(denoised.height) image with \(denoised.channels) channel(s) for \(pair.noisy)")
            }
            return .init(method: label, set: set, image: pair.image, width: clean.width, height: clean.height,
                         channels: clean.channels + (noisy.alpha == nil ? 0 : 1),
                         psnrNoisy: Metrics.psnr(noisy, clean), ssimNoisy: Metrics.ssim(noisy, clean),
                         psnr: Metrics.psnr(denoised, clean), ssim: Metrics.ssim(denoised, clean), seconds: seconds)
        }
    }
}
