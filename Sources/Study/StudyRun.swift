import Denoiser
import Dispatch
import Engine
import Imaging

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
        let trainer = try Trainer(pixels: noisyRaw.pixels, channels: clean.channels, height: clean.height,
                                  width: clean.width, sampler: sampler, plan: plan, seed: key.seed, parallel: parallel)
        func output() -> Image {
            Image(width: clean.width, height: clean.height, channels: clean.channels, pixels: trainer.denoise())
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
