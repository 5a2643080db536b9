import Denoiser
import Engine
import Foundation
import Imaging

/// One image through zsn2n: decode, measure, the method (prepare, train, denoise), measure again,
/// and the sidecar's figures, the same for every method. Writes nothing: the CLI writes the result
/// where it is told, the daemon commits it to its outbox. The CLI (`zsn2n denoise`) and the daemon
/// call this as it is.
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

        if let refusal = options.method.refusal(height: noisy.height, width: noisy.width) {
            throw PipelineError(.decode, file: input.path, reason: refusal)
        }
        // Everything measured on the noisy image is measured now: it is then denoised in place, so
        // that a large photo is held in memory once.
        let inputMetrics = Metrics.noReference(noisy)
        let inputReference = clean.map { (psnr: Metrics.psnr(noisy, $0), ssim: Metrics.ssim(noisy, $0)) }
        let (width, height, channels, alpha) = (noisy.width, noisy.height, noisy.channels, noisy.alpha)
        // The job's own threads: two jobs at once never share a pool.
        let parallel = Parallel(threads: options.threads)
        let run: any DenoisingRun
        do {
            run = try options.method.prepare(noisy, plan: options.plan, seed: options.seed, parallel: parallel)
        } catch {
            throw PipelineError(.train, file: input.path, reason: "\(error)")
        }
        // The input stays held beside the output only when the output is to be blended with it.
        let original = options.strength < 1 ? noisy.pixels : nil
        noisy.pixels = []
        let finished = run.trainer.train { p in
            progress(p)
            return !cancellation.isRequested
        }
        guard finished else { throw Cancellation.Cancelled() }
        let trainSeconds = clock.lap()

        var pixels = run.trainer.takeImage()
        run.denoise(&pixels)
        if let original { blend(&pixels, with: original, strength: Float(options.strength)) }
        let denoised = Image(width: width, height: height, channels: channels, pixels: pixels, alpha: alpha)
        let denoiseSeconds = clock.lap()

        let referenceBlock = clean.map { clean in
            Sidecar.ReferenceBlock(file: (reference! as NSString).lastPathComponent,
                                   psnrInput: FiniteDouble(inputReference!.psnr),
                                   psnrOutput: FiniteDouble(Metrics.psnr(denoised, clean)),
                                   ssimInput: FiniteDouble(inputReference!.ssim),
                                   ssimOutput: FiniteDouble(Metrics.ssim(denoised, clean)))
        }
        let plan = run.trainer.plan
        let report = run.report
        let output = DenoisedImage.Encoding(source: info, format: outputFormat, jpegQuality: options.jpegQuality)
        let sidecar = Sidecar(
            zsn2nVersion: zsn2nVersion,
            created: ISO8601DateFormatter().string(from: Date()),
            input: .init(file: input.name, format: info.format.rawValue, width: width, height: height,
                         channels: channels + (alpha == nil ? 0 : 1), colorType: info.colorType,
                         bitDepth: info.bitDepth, sha256: input.digest),
            output: .init(file: "", format: output.format.rawValue, bitDepth: output.bitDepth),
            denoiser: .init(method: options.method.name, preset: options.preset.name, iterations: plan.iterations,
                            seed: options.seed, learningRate: plan.learningRate, stepSize: plan.stepSize,
                            gamma: plan.gamma, crop: plan.crop, batch: plan.batch, threads: parallel.threads, strength: options.strength,
                            cpu: CPUPath.current.rawValue, methodFields: report.fields),
            metrics: .init(input: .init(inputMetrics), output: .init(Metrics.noReference(denoised)),
                           reference: referenceBlock),
            timing: .init(decodeS: decodeSeconds, trainS: trainSeconds, denoiseS: denoiseSeconds, totalS: clock.total()),
            loss: .init(first: run.trainer.firstLoss, last: run.trainer.lastLoss))
        return DenoisedImage(image: denoised, encoding: output, source: info, headline: report.headline,
                             loopsOnDispatch: parallel.loopsOnDispatch, sidecarDraft: sidecar)
    }

    /// output = strength x output + (1 - strength) x input: how much of the denoising the user takes.
    static func blend(_ output: inout [Float], with input: [Float], strength: Float) {
        precondition(output.count == input.count)
        for i in output.indices { output[i] = strength * output[i] + (1 - strength) * input[i] }
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
