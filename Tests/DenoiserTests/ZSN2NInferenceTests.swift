import Testing
import Engine
import Denoiser

/// Tiled inference must give the whole-image result exactly: tiles carry a halo wider than f's
/// receptive field and start on multiples of four (the Winograd tile grid).
struct InferenceTests {
    @Test("tiled inference equals whole-image inference, bit for bit",
          arguments: [(1, 37, 53, 16), (3, 40, 31, 8), (3, 9, 70, 32), (1, 64, 64, 64), (1, 5, 3, 4), (3, 23, 9, 12)])
    func tiledEqualsWhole(c: Int, h: Int, w: Int, tile: Int) {
        var rng = Random(seed: UInt64(h * w + c))
        let image = (0..<(c * h * w)).map { _ in rng.uniformFloat() }
        let network = Network(channels: c, seed: 3)
        let whole = ZSN2NInference.denoiseWhole(image, channels: c, height: h, width: w, network: network)
        var tiled = image
        ZSN2NInference.denoiseInPlace(&tiled, channels: c, height: h, width: w, network: network, tile: tile)
        #expect(tiled == whole)
        // The network does something: the output is not the input.
        #expect(tiled != image)
    }

    @Test("a batch of crops averages their gradients; crops train and denoise the whole image")
    func batches() throws {
        var rng = Random(seed: 1)
        let image = (0..<(40 * 50)).map { _ in rng.uniformFloat() }
        let plan = TrainingPlan(iterations: 4, stepSize: 2, crop: 16, batch: 3)
        let trainer = try ZSN2NMethod.trainer(pixels: image, channels: 1, height: 40, width: 50, sampler: .original, plan: plan, seed: 2)
        #expect(trainer.train())
        let out = zsn2nOutput(trainer, image)
        #expect(out.count == image.count)
        var taken = trainer.takeImage()
        #expect(taken == image)
        ZSN2NInference.denoiseInPlace(&taken, channels: 1, height: 40, width: 50, network: trainer.network)
        #expect(taken == out)
    }

    @Test("a crop plan becomes whole-image training where its crops would cover the image anyway")
    func planFitting() {
        let plan = TrainingPlan(iterations: 3000, stepSize: 1000, crop: 128, batch: 2)
        let whole = TrainingPlan(iterations: 3000, stepSize: 1000)
        #expect(plan.fitted(height: 100, width: 100) == whole)
        #expect(plan.fitted(height: 181, width: 181) == whole)   // 32761 pixels <= 2 crops of 16384
        #expect(plan.fitted(height: 182, width: 182) == plan)    // 33124 pixels > 32768
        #expect(plan.fitted(height: 128, width: 1000) == plan)
        #expect(plan.fitted(height: 64, width: 300) == plan)     // crops of 64x128, two cover 16384 < 19200
        #expect(plan.fitted(height: 64, width: 256) == whole)    // 16384 = 2 x 64 x 128
        #expect(whole.fitted(height: 2000, width: 2000) == whole)
    }

    @Test("whole-image training of a large image is refused with a clear error")
    func wholeImageLimit() {
        let side = 1200
        #expect(throws: DenoiserError.self) {
            try ZSN2NMethod.trainer(pixels: [Float](repeating: 0, count: side * side), channels: 1, height: side, width: side,
                        sampler: .original, plan: ZSN2NMethod.plan(.paper), seed: 0)
        }
    }
}

/// ZS-N2N's output F(y) from a trained network, on a copy of the noisy image (training may go on).
func zsn2nOutput(_ trainer: Trainer, _ image: [Float]) -> [Float] {
    var out = image
    ZSN2NInference.denoiseInPlace(&out, channels: trainer.channels, height: trainer.height, width: trainer.width,
                                  network: trainer.network)
    return out
}
