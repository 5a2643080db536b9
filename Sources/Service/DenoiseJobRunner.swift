import Foundation
import Imaging

/// The daemon's JobRunner: DenoiseJob (decode, train, denoise, measure) with the daemon's settings,
/// and the output written in the input's format at commit time.
public struct DenoiseJobRunner: JobRunner {
    public init() {}

    static func settings(_ config: DaemonConfig) -> DenoiseSettings {
        DenoiseSettings(sampler: config.sampler, preset: config.preset, iterations: config.iterations,
                        seed: config.seed, threads: config.threadsPerJob, maxPixels: config.maxPixels,
                        jpegQuality: config.jpegQuality, declaredSamplers: config.declaredSamplers)
    }

    public func validate(_ config: DaemonConfig) throws {
        try Self.settings(config).validate()
    }

    public func run(_ request: JobRequest, progress: (JobProgressReport) -> Bool) throws -> JobOutcome {
        let result: JobResult
        do {
            result = try DenoiseJob.run(input: request.input, reference: request.reference,
                                        outputName: request.outputName, settings: Self.settings(request.config)) { p in
                progress(JobProgressReport(iteration: p.iteration, total: p.total, loss: p.loss, fraction: p.fraction))
            }
        } catch is DenoiseJob.Cancelled {
            throw JobCancelled()
        } catch let error as ImageError {
            // About the input itself, the file name is already in the report; about the reference, say which.
            let reason = error.file == request.input ? error.reason : error.description
            throw JobFailure(stage: "decode", reason: reason.replacingOccurrences(of: request.input, with: request.name))
        } catch let error as SettingsError {
            throw JobFailure(stage: "train", reason: error.description)
        }
        let quality = request.config.jpegQuality
        let sidecar = result.sidecar
        return JobOutcome(
            writeOutput: { path in
                do {
                    try ImageIO.write(result.image, to: path, format: result.info.format, bitDepth: result.outputBitDepth,
                                      jpegQuality: quality, iccProfile: result.info.iccProfile, exif: result.info.exif)
                } catch let error as ImageError {
                    throw JobFailure(stage: "write", reason: error.reason)
                }
            },
            sidecar: { outputName in
                var document = sidecar
                document.input.file = request.name  // DenoiseJob saw only /proc/self/fd/N
                document.output.file = outputName
                return try document.jsonData()
            },
            journalFields: Self.journalFields(sidecar))
    }

    /// The sidecar's headline figures as journal fields (ZSN2N_NOISE_SIGMA_INPUT, ...).
    static func journalFields(_ s: Sidecar) -> [String: String] {
        func text(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        var fields: [String: String] = [
            "width": "\(s.input.width)", "height": "\(s.input.height)", "iterations": "\(s.denoiser.iterations)",
            "seed": "\(s.denoiser.seed)",
            "noise_sigma_input": text(s.metrics.input.noiseSigma.value),
            "noise_sigma_output": text(s.metrics.output.noiseSigma.value),
            "sobel_input": text(s.metrics.input.sobel.value), "sobel_output": text(s.metrics.output.sobel.value),
            "brenner_input": text(s.metrics.input.brenner.value), "brenner_output": text(s.metrics.output.brenner.value),
            "train_seconds": text(s.timing.trainS), "loss_last": text(s.loss.last),
        ]
        if let r = s.metrics.reference {
            fields["psnr_input"] = text(r.psnrInput.value)
            fields["psnr_output"] = text(r.psnrOutput.value)
            fields["ssim_input"] = text(r.ssimInput.value)
            fields["ssim_output"] = text(r.ssimOutput.value)
        }
        return fields
    }
}
