import Denoiser
import Dispatch
import Engine
import Imaging
import Platform

/// Does one run of the study: noise the clean image, train on it with the plan, measure PSNR along
/// the way and the output's quality at the end.
public enum StudyRun {
    /// nil when `shouldContinue` returned false (then nothing of the run is kept).
    public static func execute(_ key: RunKey, clean: Image, sampler: Sampler, noise: NoiseModel, plan: TrainingPlan,
                               curveEvery: Int, parallel: Parallel, shouldContinue: (RunProgress) -> Bool = { _ in true }) throws -> RunOutcome? {
        let start = DispatchTime.now().uptimeNanoseconds
        // The trainer gets the raw noisy samples (Poisson noise may exceed 1, as in the study);
        // measurements see them clamped, as a file would hold them.
        let noisyRaw = noise.apply(to: clean, seed: key.noiseSeed)
        let noisy = noisyRaw.clamped()
        let trainer = try ZSN2NMethod.trainer(pixels: noisyRaw.pixels, channels: clean.channels, height: clean.height,
                                              width: clean.width, sampler: sampler, plan: plan, seed: key.seed, parallel: parallel)
        func output() -> Image {
            var pixels = noisyRaw.pixels
            ZSN2NInference.denoiseInPlace(&pixels, channels: clean.channels, height: clean.height, width: clean.width,
                                          network: trainer.network)
            return Image(width: clean.width, height: clean.height, channels: clean.channels, pixels: pixels)
        }
        var denoised = output()
        var curve = [CurvePoint(iteration: 0, psnr: Metrics.psnr(denoised, clean))]
        while trainer.iteration < plan.iterations {
            trainer.step()
            let done = trainer.iteration
            if done % curveEvery == 0 || done == plan.iterations {
                denoised = output()
                curve.append(CurvePoint(iteration: done, psnr: Metrics.psnr(denoised, clean)))
            }
            guard shouldContinue(RunProgress(key: key, iteration: done, iterations: plan.iterations)) else { return nil }
        }
        let quality = Metrics.noReference(denoised)
        let record = RunRecord(
            key: key, noiseSeed: key.noiseSeed, iterations: plan.iterations,
            psnrNoisy: Metrics.psnr(noisy, clean), ssimNoisy: Metrics.ssim(noisy, clean),
            psnr: curve.last!.psnr, ssim: Metrics.ssim(denoised, clean),
            sobel: quality.sobel, brenner: quality.brenner, noiseSigma: quality.noiseSigma,
            lossFirst: trainer.firstLoss ?? .nan, lossLast: trainer.lastLoss ?? .nan,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
            curve: curve, curveFile: key.curveFile, montageFile: key.montageFile)
        return RunOutcome(record: record, noisy: noisyRaw, denoised: denoised)
    }
}

/// One run of the study: an image, a noise setting, a sampler and a seed. Within one output folder
/// (whose training plan is fixed, see `StudyFolder`) the key determines the run's result exactly.
public struct RunKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var image: String
    /// The noise model's canonical text, e.g. "gauss:25".
    public var noise: String
    public var sampler: String
    public var seed: UInt64

    public init(image: String, noise: String, sampler: String, seed: UInt64) {
        self.image = image
        self.noise = noise
        self.sampler = sampler
        self.seed = seed
    }

    public var description: String { "\(image) \(noise) \(sampler) seed \(seed)" }

    /// The seed of the noisy image: derived from the noise setting, the image's name and the run's
    /// seed, and not from the sampler, so that every sampler trains on the same noisy image and the
    /// samplers compare on identical inputs. (FNV-1a of "noise|image|seed", then SplitMix64's
    /// finaliser to spread the bits.)
    public var noiseSeed: UInt64 {
        var hash = FNV1a()
        hash.add("\(noise)|\(image)|\(seed)".utf8)
        var z = hash.value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The run's files, relative to the output folder, without extension:
    /// runs/IMAGE/NOISE/SAMPLER-seedN, with the noise's ':' made a '-' (gauss-25) for portable names.
    public var fileStem: String {
        let noiseFolder = String(noise.map { $0 == ":" ? "-" : $0 })
        return "runs/\(image)/\(noiseFolder)/\(sampler)-seed\(seed)"
    }

    public var curveFile: String { fileStem + "-curve.svg" }
    public var montageFile: String { fileStem + "-montage.png" }
}

/// What one run measured: one line of runs.jsonl, one row of results.csv, one entry of results.json.
/// Every field but `seconds` is a function of the key and the folder's settings, bit for bit.
public struct RunRecord: Sendable, Equatable, Codable {
    public var key: RunKey
    public var noiseSeed: UInt64
    public var iterations: Int
    /// The noisy input against the clean image, clamped to [0, 1] as an image file would hold it.
    public var psnrNoisy: Double
    public var ssimNoisy: Double
    /// The denoised output clamp(y - f(y), 0, 1) against the clean image.
    public var psnr: Double
    public var ssim: Double
    /// No-reference sharpness of the output (Metrics.sobel, Metrics.brenner: means per pixel on luma).
    public var sobel: Double
    public var brenner: Double
    /// Immerkaer's estimate of the noise left in the output, on the 0-255 scale.
    public var noiseSigma: Double
    public var lossFirst: Double
    public var lossLast: Double
    /// Wall time of the run: noising, training (with the curve's extra forward passes), measuring.
    public var seconds: Double
    public var curve: [CurvePoint]
    /// Relative to the output folder.
    public var curveFile: String
    public var montageFile: String

    public init(key: RunKey, noiseSeed: UInt64, iterations: Int, psnrNoisy: Double, ssimNoisy: Double,
                psnr: Double, ssim: Double, sobel: Double, brenner: Double, noiseSigma: Double,
                lossFirst: Double, lossLast: Double, seconds: Double, curve: [CurvePoint],
                curveFile: String, montageFile: String) {
        self.key = key
        self.noiseSeed = noiseSeed
        self.iterations = iterations
        self.psnrNoisy = psnrNoisy
        self.ssimNoisy = ssimNoisy
        self.psnr = psnr
        self.ssim = ssim
        self.sobel = sobel
        self.brenner = brenner
        self.noiseSigma = noiseSigma
        self.lossFirst = lossFirst
        self.lossLast = lossLast
        self.seconds = seconds
        self.curve = curve
        self.curveFile = curveFile
        self.montageFile = montageFile
    }
}

/// PSNR of the denoised image after `iteration` training iterations (0: the untrained network).
public struct CurvePoint: Sendable, Equatable, Codable {
    public var iteration: Int
    public var psnr: Double
}

/// Where one run stands, after every training iteration.
public struct RunProgress: Sendable {
    public var key: RunKey
    public var iteration: Int
    public var iterations: Int
}

/// One run, done: its record and the images its files are drawn from.
public struct RunOutcome {
    public var record: RunRecord
    /// The noisy image the network trained on (Poisson samples may exceed 1).
    public var noisy: Image
    public var denoised: Image
}
