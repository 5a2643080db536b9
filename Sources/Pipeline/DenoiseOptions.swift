import Denoiser
import Engine
import Imaging

/// What one denoising job is asked to do, checked once: built from the CLI's options, or from the
/// daemon's configuration (at start and again on reload), and then handed as it is to every job.
/// Holding one means every value is valid; nothing downstream checks them again.
public struct DenoiseOptions: Sendable, Equatable {
    public let method: DenoiseMethod
    /// ZS-N2N's pair downsampler (unused by the pixel-bank method).
    public private(set) var sampler: Sampler
    /// Kernel pairs declared by the user, usable as samplers by name.
    public let declarations: [DeclaredSampler]
    public let preset: Preset
    /// The iteration count asked for; nil keeps the preset's.
    public let iterations: Int?
    /// The preset's plan with the overrides applied (not yet fitted to an image).
    public let plan: TrainingPlan
    public private(set) var seed: UInt64
    /// The engine threads of this job (travels into the engine with the job).
    public let parallel: Parallel
    public let maxPixels: Int
    public let jpegQuality: Int
    /// A pixel-bank override, for experiments: the candidates' stride (nil: the noise's measured reach).
    public let bankStride: Int?
    /// Pixel-bank mechanisms taken away, for the ablation (`zsn2n evaluate`).
    public let bankWithout: Set<PixelBankMechanism>

    /// - threads: 0 uses every core.
    /// - crop, batch, learningRate: overrides of the preset's, for experiments.
    public init(method: String = DenoiseMethod.standard.rawValue, sampler: String = Sampler.original.name,
                preset: String = Preset.balanced.name,
                iterations: Int? = nil, seed: UInt64 = 0, threads: Int = 0,
                maxPixels: Int = ImageIO.defaultMaxPixels, jpegQuality: Int = 95,
                declarations: [DeclaredSampler] = [], crop: Int? = nil, batch: Int? = nil,
                learningRate: Double? = nil, bankStride: Int? = nil,
                bankWithout: Set<PixelBankMechanism> = []) throws {
        guard let method = DenoiseMethod(rawValue: method.lowercased()) else {
            throw SettingsError(key: "method", "unknown method '\(method)' (one of \(DenoiseMethod.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.method = method
        if let bankStride {
            guard (1...8).contains(bankStride) else { throw SettingsError(key: "bank_stride", "must be 1 to 8, got \(bankStride)") }
        }
        self.bankStride = bankStride
        self.bankWithout = bankWithout
        for (index, declaration) in declarations.enumerated() {
            do { _ = try declaration.sampler() } catch {
                throw SettingsError(key: "declare", "\(declaration.name): \(error)")
            }
            if declarations[..<index].contains(where: { $0.name == declaration.name }) {
                throw SettingsError(key: "declare", "'\(declaration.name)' is declared twice")
            }
        }
        if let declared = declarations.first(where: { $0.name == sampler }) {
            self.sampler = try declared.sampler()
        } else if let builtin = Sampler.named(sampler) {
            self.sampler = builtin
        } else {
            throw SettingsError(key: "sampler", "unknown sampler '\(sampler)' (`zsn2n samplers` lists them; yours go under declare)")
        }
        guard let preset = Preset.named(preset) else {
            throw SettingsError(key: "preset", "unknown preset '\(preset)' (one of \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        var plan = method == .pixelBank ? preset.bankPlan : preset.plan
        if let n = iterations {
            guard n >= 1 else { throw SettingsError(key: "iterations", "must be at least 1, got \(n)") }
            plan = plan.with(iterations: n)
        }
        if let crop {
            guard crop >= 4 else { throw SettingsError(key: "crop", "must be at least 4 pixels, got \(crop)") }
            plan.crop = crop
        }
        if let batch {
            guard batch >= 1 else { throw SettingsError(key: "batch", "must be at least 1, got \(batch)") }
            plan.batch = batch
        }
        if let learningRate {
            guard learningRate > 0, learningRate.isFinite else {
                throw SettingsError(key: "learning_rate", "must be positive, got \(learningRate)")
            }
            plan.learningRate = learningRate
        }
        guard threads >= 0 else { throw SettingsError(key: "threads", "must be 0 (every core) or more, got \(threads)") }
        guard maxPixels >= 1 else { throw SettingsError(key: "max_pixels", "must be positive, got \(maxPixels)") }
        guard (1...100).contains(jpegQuality) else {
            throw SettingsError(key: "jpeg_quality", "must be between 1 and 100, got \(jpegQuality)")
        }
        self.declarations = declarations
        self.preset = preset
        self.iterations = iterations
        self.plan = plan
        self.seed = seed
        parallel = threads > 0 ? Parallel(threads: threads) : .allCores
        self.maxPixels = maxPixels
        self.jpegQuality = jpegQuality
    }

    /// The declaration of the chosen sampler, when it is one of the user's.
    public var declaration: DeclaredSampler? { declarations.first { $0.name == sampler.name } }

    /// These options with another sampler and seed (the study's runs).
    public func with(sampler: Sampler, seed: UInt64) -> DenoiseOptions {
        var copy = self
        copy.sampler = sampler
        copy.seed = seed
        return copy
    }

    /// A ZS-N2N trainer on a planar `channels` x `height` x `width` image with these options: the
    /// plan fitted to the image, the job's seed and threads.
    public func trainer(pixels: [Float], channels: Int, height: Int, width: Int) throws -> Trainer {
        try Trainer(pixels: pixels, channels: channels, height: height, width: width, sampler: sampler,
                    plan: plan.fitted(height: height, width: width), seed: seed, parallel: parallel)
    }

    /// What the pixel-bank method does on an image of `pixels` whose noise reaches `reach` pixels.
    public func bankSettings(reach: Int, pixels: Int) -> PixelBankSettings {
        PixelBankSettings(reach: reach, pixels: pixels, stride: bankStride, without: bankWithout)
    }

    /// A pixel-bank trainer as `settings` say, and the acceptance its banks were fitted with.
    public func bankTrainer(pixels: [Float], channels: Int, height: Int, width: Int, settings: PixelBankSettings) throws
        -> (trainer: Trainer, acceptance: PixelBank.Acceptance, keptFraction: Double) {
        try PixelBankTraining.trainer(pixels: pixels, channels: channels, height: height, width: width, settings: settings,
                                      plan: plan.fitted(height: height, width: width), seed: seed, parallel: parallel)
    }
}
