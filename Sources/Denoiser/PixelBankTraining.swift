import Engine

/// The pixel-bank method's training: the banks over the image (or over regions of a large one),
/// then `Trainer` on `PixelBankObjective`.
public enum PixelBankTraining {
    /// Above this many pixels the banks cover `regions` random squares of `regionSide`, not the
    /// whole image: training draws its crops there, and the search stays bounded on a photo.
    public static let wholeImageLimit = 1 << 20
    public static let regions = 16
    public static let regionSide = 256

    /// The regions the banks cover for an image of this size, drawn from the seed.
    public static func regions(height: Int, width: Int, crop: (height: Int, width: Int), seed: UInt64)
        -> [(top: Int, left: Int, height: Int, width: Int)] {
        guard height * width > wholeImageLimit else { return [(0, 0, height, width)] }
        var random = Random(seed: seed, stream: RandomStream.bankRegions)
        let h = min(height, max(regionSide, crop.height)), w = min(width, max(regionSide, crop.width))
        return (0..<regions).map { _ in (random.int(below: height - h + 1), random.int(below: width - w + 1), h, w) }
    }

    public static func memory(channels: Int, height: Int, width: Int, crop: (height: Int, width: Int),
                              regions: [(top: Int, left: Int, height: Int, width: Int)], size: Int,
                              batch: Int, threads: Int) -> MemoryPlan {
        MemoryPlan(items: [
            .init(name: "parameters and gradients", bytes: Network.parameterBytes(channels: channels)),
            .init(name: "optimiser state", bytes: Adam.byteCount(parameterCount: ParameterLayout(channels: channels).count)),
            .init(name: "layers", bytes: Network.layerBytes(channels: channels, threads: threads)),
            .init(name: "sample lanes", bytes: PixelBankObjective.bytes(channels: channels, crop: crop, batch: batch, threads: threads)),
            .init(name: "pixel banks (while built)", bytes: regions.reduce(0) { $0 + PixelBank.byteCount(pixels: $1.height * $1.width, size: size).building }),
        ])
    }

    /// A trainer of the pixel-bank method on the planar image `pixels`, as `settings` say.
    /// Also returns the acceptance fitted on the banks, which inference reuses.
    public static func trainer(pixels: [Float], channels: Int, height: Int, width: Int, settings: PixelBankSettings,
                               plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws
        -> (trainer: Trainer, acceptance: PixelBank.Acceptance, keptFraction: Double) {
        let crop = Trainer.cropSize(plan, height: height, width: width)
        let regions = regions(height: height, width: width, crop: crop, seed: seed)
        let size = min(PixelBank.defaultSize, PixelBank.candidates(stride: settings.stride).count)
        let memory = memory(channels: channels, height: height, width: width, crop: crop, regions: regions, size: size,
                            batch: plan.batch, threads: parallel.threads)
        var acceptance: PixelBank.Acceptance?
        var kept = 0.0
        let trainer = try Trainer(pixels: pixels, channels: channels, height: height, width: width, plan: plan, seed: seed,
                                  parallel: parallel, memory: memory) { network in
            var banks = regions.map { region in
                PixelBank(pixels: pixels, channels: channels, imageHeight: height, imageWidth: width, region: region,
                          stride: settings.stride, parallel: parallel)
            }
            let fitted = PixelBank.Acceptance(fitting: banks, tau: settings.tau, percentile: settings.percentile)
            for i in banks.indices { banks[i].accept(fitted, parallel: parallel) }
            acceptance = fitted
            kept = banks.reduce(0) { $0 + $1.keptFraction } / Double(banks.count)
            return PixelBankObjective(network: network, banks: banks, channels: channels, height: height, width: width,
                                      crop: crop, batch: plan.batch, augment: settings.symmetries, seed: seed)
        }
        return (trainer, acceptance!, kept)
    }
}
