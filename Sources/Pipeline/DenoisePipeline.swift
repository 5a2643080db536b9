import Denoiser
import Engine
import Foundation
import Imaging

/// One image through zsn2n: decode, measure, train, denoise, measure again, and the sidecar's
/// figures. Writes nothing: the CLI writes the result where it is told, the daemon commits it to
/// its outbox. The CLI (`zsn2n denoise`) and the daemon call this as it is.
public enum DenoisePipeline {
    /// - input: the open file (read from its descriptor; its digest goes into the sidecar).
    /// - reference: a clean image of the same scene, for PSNR and SSIM.
    /// - cancellation: requested, the training stops at its next iteration and this throws
    ///   `Cancellation.Cancelled`.
    /// - outputFormat: what the output will be written as (default: the input's format).
    /// - progress: after every training iteration.
    /// Throws `PipelineError` for anything about the files or the image.
    public static func run(_ input: InputFile, reference: String? = nil, options: DenoiseOptions,
                           outputFormat: ImageSourceInfo.Format? = nil,
                           cancellation: Cancellation = Cancellation(),
                           progress: (TrainingProgress) -> Void = { _ in }) throws -> DenoisedImage {
        var clock = Stopwatch()
        var (noisy, info) = try decode { try ImageIO.read(input.descriptor, name: input.path, maxPixels: options.maxPixels) }
        let clean = try reference.map { path in try readReference(path, matching: noisy, input: input.path, options: options) }
        let decodeSeconds = clock.lap()

        let (h, w) = options.sampler.outputSize(height: noisy.height, width: noisy.width)
        guard options.method != .zsn2n || (h >= 1 && w >= 1) else {
            throw PipelineError(.decode, file: input.path, reason: "a \(noisy.width)x\(noisy.height) image is too small for sampler \(options.sampler.name), which needs at least \(options.sampler.minimumSide) pixels a side")
        }
        // Everything measured on the noisy image is measured now: it is then denoised in place, so
        // that a large photo is held in memory once.
        let inputMetrics = Metrics.noReference(noisy)
        let inputReference = clean.map { (psnr: Metrics.psnr(noisy, $0), ssim: Metrics.ssim(noisy, $0)) }
        let (width, height, channels, alpha) = (noisy.width, noisy.height, noisy.channels, noisy.alpha)
        // The pixel-bank method spreads its candidates as far as the noise is correlated.
        let correlation = options.method == .pixelBank ? NoiseCorrelation.measure(noisy) : nil
        let settings = correlation.map { options.bankSettings(reach: $0.reach, pixels: width * height) }
        let trainer: Trainer
        var bank: (acceptance: PixelBank.Acceptance, keptFraction: Double)?
        do {
            switch options.method {
            case .zsn2n:
                trainer = try options.trainer(pixels: noisy.pixels, channels: channels, height: height, width: width)
            case .pixelBank:
                let made = try options.bankTrainer(pixels: noisy.pixels, channels: channels, height: height, width: width,
                                                   settings: settings!)
                trainer = made.trainer
                bank = (made.acceptance, made.keptFraction)
            }
        } catch {
            throw PipelineError(.train, file: input.path, reason: "\(error)")
        }
        noisy.pixels = []
        let finished = trainer.train { p in
            progress(p)
            return !cancellation.isRequested
        }
        guard finished else { throw Cancellation.Cancelled() }
        let trainSeconds = clock.lap()

        var pixels = trainer.takeImage()
        if let bank {
            PixelBankInference.denoiseInPlace(&pixels, channels: channels, height: height, width: width,
                                              network: trainer.network, settings: settings!, acceptance: bank.acceptance,
                                              seed: options.seed, parallel: options.parallel)
        } else {
            Inference.denoiseInPlace(&pixels, channels: channels, height: height, width: width, network: trainer.network)
        }
        let denoised = Image(width: width, height: height, channels: channels, pixels: pixels, alpha: alpha)
        let denoiseSeconds = clock.lap()

        let referenceBlock = clean.map { clean in
            Sidecar.ReferenceBlock(file: (reference! as NSString).lastPathComponent,
                                   psnrInput: FiniteDouble(inputReference!.psnr),
                                   psnrOutput: FiniteDouble(Metrics.psnr(denoised, clean)),
                                   ssimInput: FiniteDouble(inputReference!.ssim),
                                   ssimOutput: FiniteDouble(Metrics.ssim(denoised, clean)))
        }
        let plan = trainer.plan
        let output = DenoisedImage.Encoding(source: info, format: outputFormat, jpegQuality: options.jpegQuality)
        let sidecar = Sidecar(
            zsn2nVersion: zsn2nVersion,
            created: ISO8601DateFormatter().string(from: Date()),
            input: .init(file: input.name, format: info.format.rawValue, width: width, height: height,
                         channels: channels + (alpha == nil ? 0 : 1), colorType: info.colorType,
                         bitDepth: info.bitDepth, sha256: input.digest),
            output: .init(file: "", format: output.format.rawValue, bitDepth: output.bitDepth),
            denoiser: .init(method: options.method.rawValue,
                            sampler: options.method == .zsn2n ? options.sampler.name : options.method.rawValue,
                            preset: options.preset.name, iterations: plan.iterations,
                            seed: options.seed, learningRate: plan.learningRate, stepSize: plan.stepSize,
                            gamma: plan.gamma, crop: plan.crop, batch: plan.batch, threads: options.parallel.threads,
                            cpu: CPUPath.current.rawValue,
                            declared: options.method == .zsn2n ? options.declaration : nil,
                            pixelBank: correlation.map { c in
                                let s = settings!
                                return Sidecar.PixelBankBlock(stride: s.stride, strideMeasured: s.strideMeasured,
                                                       bankSize: min(PixelBank.defaultSize, PixelBank.candidates(stride: s.stride).count),
                                                       patch: PixelBank.patch, radius: PixelBank.radius,
                                                       tau: s.tau.isFinite ? Double(s.tau) : nil,
                                                       acceptancePercentile: s.tau.isFinite ? s.percentile : nil, keptFraction: bank!.keptFraction,
                                                       regions: PixelBankTraining.regions(height: height, width: width, crop: Trainer.cropSize(plan, height: height, width: width), seed: options.seed).count,
                                                       inferenceDraws: s.draws, ensemble: s.ensemble.count, aggregated: s.aggregation,
                                                       noiseCorrelation: .init(c))
                            }),
            metrics: .init(input: .init(inputMetrics), output: .init(Metrics.noReference(denoised)),
                           reference: referenceBlock),
            timing: .init(decodeS: decodeSeconds, trainS: trainSeconds, denoiseS: denoiseSeconds, totalS: clock.total()),
            loss: .init(first: trainer.firstLoss, last: trainer.lastLoss))
        return DenoisedImage(image: denoised, encoding: output, source: info, sidecarDraft: sidecar)
    }

    /// The clean image at `path`, which must have the noisy image's size and channels.
    static func readReference(_ path: String, matching noisy: Image, input: String, options: DenoiseOptions) throws -> Image {
        let (clean, _) = try decode { try ImageIO.read(path, maxPixels: options.maxPixels) }
        guard clean.width == noisy.width, clean.height == noisy.height, clean.channels == noisy.channels else {
            throw PipelineError(.decode, file: path, reason: "reference is \(clean.width)x\(clean.height) with \(clean.channels) colour channel(s), but \((input as NSString).lastPathComponent) is \(noisy.width)x\(noisy.height) with \(noisy.channels)")
        }
        return clean
    }

    /// A decoder's `ImageError` as the pipeline's error, naming the same file.
    private static func decode<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ImageError {
            throw PipelineError(.decode, file: error.file, reason: error.reason)
        }
    }
}
