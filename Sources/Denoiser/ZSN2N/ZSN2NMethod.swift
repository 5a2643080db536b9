import Engine
import Imaging

/// Zero-Shot Noise2Noise as the study ran it: f learns, from the two half images a pair
/// downsampler (`Sampler`) makes of the noisy image, to map one to the other (`ZSN2NLoss`); the
/// output is F(y) = y - f(y) on the whole image (`ZSN2NInference`). It needs noise that is white:
/// the two halves' noise is independent only then.
public struct ZSN2NMethod: DenoisingMethod, Equatable {
    public static let name = "zs-n2n"
    public static let summary = "Zero-Shot Noise2Noise: half images from a pair downsampler (see --sampler)"

    public let sampler: Sampler
    /// The user's declaration of `sampler`, when it is one of theirs (the sidecar records it).
    public let declaration: DeclaredSampler?

    public init(sampler: Sampler = .original, declaration: DeclaredSampler? = nil) {
        self.sampler = sampler
        self.declaration = declaration
    }

    public init(_ settings: MethodSettings) throws {
        guard settings.without.isEmpty else {
            throw SettingsError(key: "method", "only \(PixelBankMethod.name) has mechanisms to take away")
        }
        guard settings.bankStride == nil else {
            throw SettingsError(key: "bank_stride", "is the \(PixelBankMethod.name) method's; \(ZSN2NMethod.name) has no banks")
        }
        self.init(sampler: settings.sampler, declaration: settings.declaration)
    }

    /// The study's recipe (`paper`); two 104x104 crops an iteration (`balanced`: 0.12 dB below
    /// `paper`, in 0.65 of two 128x128 crops' time); one 128x128 crop, a third of the iterations
    /// (`fast`). docs/measurements.md, "Presets".
    static let plans: [String: TrainingPlan] = [
        Preset.paper.name: TrainingPlan(iterations: 3000, stepSize: 1000),
        Preset.balanced.name: TrainingPlan(iterations: 3000, stepSize: 1000, crop: 104, batch: 2),
        Preset.fast.name: TrainingPlan(iterations: 1000, stepSize: 333, crop: 128),
    ]

    public static func plan(_ preset: Preset) -> TrainingPlan { plans[preset.name]! }

    public var settingFields: [String: String] { ["sampler": sampler.name] }

    public func refusal(height: Int, width: Int) -> String? {
        let (h, w) = sampler.outputSize(height: height, width: width)
        guard h < 1 || w < 1 else { return nil }
        return "a \(width)x\(height) image is too small for sampler \(sampler.name), which needs at least \(sampler.minimumSide) pixels a side"
    }

    public func prepare(_ image: Image, plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws -> any DenoisingRun {
        let trainer = try ZSN2NMethod.trainer(pixels: image.pixels, channels: image.channels, height: image.height,
                                              width: image.width, sampler: sampler,
                                              plan: plan.fitted(height: image.height, width: image.width),
                                              seed: seed, parallel: parallel)
        return Run(trainer: trainer, method: self)
    }

    /// A ZS-N2N trainer with `sampler` on the planar noisy image `pixels` (channels x height x
    /// width, in [0, 1] or, in the study, Poisson noise beyond), the plan as it is (already fitted).
    public static func trainer(pixels: [Float], channels: Int, height: Int, width: Int, sampler: Sampler,
                               plan: TrainingPlan, seed: UInt64, parallel: Parallel = .allCores) throws -> Trainer {
        let crop = Trainer.cropSize(plan, height: height, width: width)
        let memory = trainingMemory(channels: channels, crop: crop, sampler: sampler, batch: plan.batch, threads: parallel.threads)
        return try Trainer(pixels: pixels, channels: channels, height: height, width: width, plan: plan, seed: seed,
                           parallel: parallel, memory: memory) { network in
            try ZSN2NObjective(network: network, sampler: sampler, pixels: pixels, channels: channels, height: height,
                               width: width, crop: crop, batch: plan.batch, seed: seed)
        }
    }

    /// What ZS-N2N's training allocates: the network, the optimiser, and the objective's passes on
    /// each sample (`crop`: the whole image, or one crop), `batch` samples an iteration.
    public static func trainingMemory(channels: Int, crop: (height: Int, width: Int), sampler: Sampler, batch: Int,
                                      threads: Int) -> MemoryPlan {
        Network.memory(channels: channels, threads: threads)
            + Adam.memory(parameterCount: ParameterLayout(channels: channels).count).named("optimiser state")
            + ZSN2NObjective.memory(channels: channels, sampler: sampler, crop: crop, batch: batch, threads: threads)
    }

    struct Run: DenoisingRun {
        let trainer: Trainer
        let method: ZSN2NMethod

        var inferenceMemory: MemoryPlan {
            ZSN2NInference.memory(channels: trainer.channels, height: trainer.height, width: trainer.width)
        }

        func denoise(_ pixels: inout [Float]) {
            ZSN2NInference.denoiseInPlace(&pixels, channels: trainer.channels, height: trainer.height, width: trainer.width,
                                          network: trainer.network)
        }

        var report: MethodReport {
            var fields: [String: any Encodable & Sendable] = ["sampler": method.sampler.name]
            if let declaration = method.declaration { fields["declared"] = declaration }
            return MethodReport(headline: method.sampler.name, fields: fields)
        }
    }
}
