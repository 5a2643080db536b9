import Denoiser
import Engine
import Imaging

/// What one denoising job is asked to do, checked once: built from the CLI's options, or from the
/// daemon's configuration (at start and again on reload), and then handed as it is to every job.
/// Holding one means every value is valid; nothing downstream checks them again. A value only:
/// each job makes its own threads from `threads` (`DenoisePipeline.run`).
public struct DenoiseOptions: Sendable, Equatable {
    /// The method, configured (`DenoisingMethods`).
    public let method: any DenoisingMethod
    /// The settings the method was made from (its sampler, stride, mechanisms taken away).
    public let methodSettings: MethodSettings
    /// Kernel pairs declared by the user, usable as samplers by name.
    public let declarations: [DeclaredSampler]
    public let preset: Preset
    /// The iteration count asked for; nil keeps the preset's.
    public let iterations: Int?
    /// The method's plan for the preset with the overrides applied (not yet fitted to an image).
    public let plan: TrainingPlan
    public let seed: UInt64
    /// The engine threads of one job.
    public let threads: Int
    public let maxPixels: Int
    public let jpegQuality: Int

    /// ZS-N2N's sampler as set (whatever the method; the pixel-bank method uses none).
    public var sampler: Sampler { methodSettings.sampler }
    /// The declaration of the chosen sampler, when it is one of the user's.
    public var declaration: DeclaredSampler? { methodSettings.declaration }

    /// - method: a name from `DenoisingMethods`; `NAME~PART~...` takes parts of it away, for an
    ///   ablation (only methods with parts to take away accept it).
    /// - threads: 0 shares the machine's cores among `concurrency` jobs running at once.
    /// - crop, batch, learningRate: overrides of the preset's, for experiments.
    public init(method: String = DenoisingMethods.standard.name, sampler: String = Sampler.original.name,
                preset: String = Preset.balanced.name,
                iterations: Int? = nil, seed: UInt64 = 0, threads: Int = 0, concurrency: Int = 1,
                maxPixels: Int = ImageIO.defaultMaxPixels, jpegQuality: Int = 95,
                declarations: [DeclaredSampler] = [], crop: Int? = nil, batch: Int? = nil,
                learningRate: Double? = nil, bankStride: Int? = nil) throws {
        let parts = method.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        guard let kind = DenoisingMethods.named(parts[0]) else {
            throw SettingsError(key: "method", "unknown method '\(method)' (one of \(DenoisingMethods.names))")
        }
        for (index, declaration) in declarations.enumerated() {
            do { _ = try declaration.sampler() } catch {
                throw SettingsError(key: "declare", "\(declaration.name): \(error)")
            }
            if declarations[..<index].contains(where: { $0.name == declaration.name }) {
                throw SettingsError(key: "declare", "'\(declaration.name)' is declared twice")
            }
        }
        let chosen: Sampler
        let declaration = declarations.first { $0.name == sampler }
        if let declaration {
            chosen = try declaration.sampler()
        } else if let builtin = Sampler.named(sampler) {
            chosen = builtin
        } else {
            throw SettingsError(key: "sampler", "unknown sampler '\(sampler)' (`zsn2n samplers` lists them; yours go under declare)")
        }
        methodSettings = MethodSettings(sampler: chosen, declaration: declaration, bankStride: bankStride,
                                        without: Array(parts.dropFirst()))
        self.method = try kind.init(methodSettings)
        guard let preset = Preset.named(preset) else {
            throw SettingsError(key: "preset", "unknown preset '\(preset)' (one of \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        var plan = kind.plan(preset)
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
        self.threads = threads > 0 ? threads : max(1, Parallel.availableCores / max(1, concurrency))
        self.maxPixels = maxPixels
        self.jpegQuality = jpegQuality
    }

    public static func == (a: DenoiseOptions, b: DenoiseOptions) -> Bool {
        a.method.isEqual(to: b.method) && a.methodSettings == b.methodSettings && a.declarations == b.declarations
            && a.preset == b.preset && a.iterations == b.iterations && a.plan == b.plan && a.seed == b.seed
            && a.threads == b.threads && a.maxPixels == b.maxPixels && a.jpegQuality == b.jpegQuality
    }
}
