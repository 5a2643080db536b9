import Foundation
import Pipeline

extension Sidecar {
    /// The sidecar's headline figures as fields of the journal's "done" entry (without the ZSN2N_
    /// prefix): width, height, iterations, seed, the metrics before and after, and the reference's.
    var journalFields: [String: String] {
        func text(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
        var fields: [String: String] = [
            "width": "\(input.width)", "height": "\(input.height)", "iterations": "\(denoiser.iterations)",
            "seed": "\(denoiser.seed)",
            "noise_sigma_input": text(metrics.input.noiseSigma.value),
            "noise_sigma_output": text(metrics.output.noiseSigma.value),
            "sobel_input": text(metrics.input.sobel.value), "sobel_output": text(metrics.output.sobel.value),
            "brenner_input": text(metrics.input.brenner.value), "brenner_output": text(metrics.output.brenner.value),
            "train_seconds": text(timing.trainS), "loss_last": text(loss.last),
        ]
        if let r = metrics.reference {
            fields["psnr_input"] = text(r.psnrInput.value)
            fields["psnr_output"] = text(r.psnrOutput.value)
            fields["ssim_input"] = text(r.ssimInput.value)
            fields["ssim_output"] = text(r.ssimOutput.value)
        }
        return fields
    }
}
