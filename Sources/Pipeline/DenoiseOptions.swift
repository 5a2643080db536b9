import Denoiser
import Engine
import Imaging

/// The denoising settings as the user gave them, before any is checked: filled from the CLI's
/// options (`zsn2n denoise`, `evaluate`) or from the daemon's configuration keys, each its own
/// vocabulary for the same settings. Names are names; an override not given is nil. The defaults
/// here are the defaults of both. `DenoiseOptions(validating:)` checks them.
public struct DenoiseSettings: Sendable, Equatable {
    /// A name from `DenoisingMethods`; `NAME~PART~...` takes parts of it away, for an ablation
    /// (only methods with parts to take away accept it).
    public var method: String = DenoisingMethods.standard.name
    /// ZS-N2N's sampler: a built-in one's name, or one of `declarations`.
    public var sampler: String = Sampler.original.name
    public var preset: String = Preset.balanced.name
    /// The iteration count, overriding the preset's; nil keeps the preset's.
    public var iterations: Int?
    public var seed: UInt64 = 0
    /// The engine threads of one job; 0: see `engineThreads`.
    public var threads: Int = 0
    /// Jobs that run at once (the daemon's `concurrency`; the CLI runs one).
    public var concurrency: Int = 1
    public var maxPixels: Int = ImageIO.defaultMaxPixels
    public var jpegQuality: Int = ImageIO.defaultJPEGQuality
    /// Kernel pairs declared by the user, usable as samplers by name.
    public var declarations: [DeclaredSampler] = []
    /// Overrides of the preset's plan, for experiments; nil keeps the preset's.
    public var crop: Int?
    public var batch: Int?
    public var learningRate: Double?
    /// The pixel bank's candidate stride; nil: the noise's measured reach.
    public var bankStride: Int?
    /// How much of the denoising the output takes: strength x denoised + (1 - strength) x input.
    public var strength: Double = 1
}

extension DenoiseSettings {
    /// Every setting at its default, then `configure`d: `DenoiseSettings { $0.preset = "fast" }`.
    public init(_ configure: (inout DenoiseSettings) -> Void = { _ in }) {
        self.init(method: DenoisingMethods.standard.name)
        configure(&self)
    }

    /// The engine threads of one job: `threads`, or for 0 the machine's cores shared among the
    /// `concurrency` jobs that run at once, at least one each. The one meaning of "threads 0",
    /// for every command of the CLI and for the daemon.
    public static func engineThreads(_ threads: Int, concurrency: Int) throws -> Int {
        guard threads >= 0 else { throw SettingsError(key: "threads", "must be 0 (every core) or more, got \(threads)") }
        return threads > 0 ? threads : max(1, Parallel.availableCores / max(1, concurrency))
    }
}

/// What one denoising job is asked to do, checked once: made from `DenoiseSettings` (the CLI's
/// options or the daemon's configuration, at start and again on reload), and then handed as it is
/// to every job. Holding one means every value is valid; nothing downstream checks them again. A
/// value only: each job makes its own threads from `threads` (`DenoisePipeline.run`).
public struct DenoiseOptions: Sendable, Equatable {
    /// The settings these were made from, as given.
    public let settings: DenoiseSettings
    /// The method, configured (`DenoisingMethods`).
    public let method: any DenoisingMethod
    /// The settings the method was made from (its sampler, stride, mechanisms taken away).
    public let methodSettings: MethodSettings
    public let preset: Preset
    /// The method's plan for the preset with the overrides applied (not yet fitted to an image).
    public let plan: TrainingPlan
    /// The engine threads of one job (`DenoiseSettings.engineThreads`).
    public let threads: Int

    /// Kernel pairs declared by the user, usable as samplers by name.
    public var declarations: [DeclaredSampler] { settings.declarations }
    /// The iteration count asked for; nil keeps the preset's.
    public var iterations: Int? { settings.iterations }
    public var seed: UInt64 { settings.seed }
    public var maxPixels: Int { settings.maxPixels }
    public var jpegQuality: Int { settings.jpegQuality }
    public var strength: Double { settings.strength }
    /// ZS-N2N's sampler as set (whatever the method; the pixel-bank method uses none).
    public var sampler: Sampler { methodSettings.sampler }
    /// The declaration of the chosen sampler, when it is one of the user's.
    public var declaration: DeclaredSampler? { methodSettings.declaration }

    /// Checks every setting; a refusal is a `SettingsError` naming the setting by its daemon key
    /// (the CLI's option is the same name with dashes).
    public init(validating settings: DenoiseSettings) throws {
        let parts = settings.method.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
        guard let kind = DenoisingMethods.named(parts[0]) else {
            throw SettingsError(key: "method", "unknown method '\(settings.method)' (one of \(DenoisingMethods.names))")
        }
        let declarations = settings.declarations
        for (index, declaration) in declarations.enumerated() {
            do { _ = try declaration.sampler() } catch {
                throw SettingsError(key: "declare", "\(declaration.name): \(error)")
            }
            if declarations[..<index].contains(where: { $0.name == declaration.name }) {
                throw SettingsError(key: "declare", "'\(declaration.name)' is declared twice")
            }
        }
        let chosen: Sampler
        let declaration = declarations.first { $0.name == settings.sampler }
        if let declaration {
            chosen = try declaration.sampler()
        } else if let builtin = Sampler.named(settings.sampler) {
            chosen = builtin
        } else {
            throw SettingsError(key: "sampler", "unknown sampler '\(settings.sampler)' (`zsn2n samplers` lists them; yours go under declare)")
        }
        methodSettings = MethodSettings(sampler: chosen, declaration: declaration, bankStride: settings.bankStride,
                                        without: Array(parts.dropFirst()))
        method = try kind.init(methodSettings)
        guard let preset = Preset.named(settings.preset) else {
            throw SettingsError(key: "preset", "unknown preset '\(settings.preset)' (one of \(Preset.all.map(\.name).joined(separator: ", ")))")
        }
        var plan = kind.plan(preset)
        if let n = settings.iterations {
            guard n >= 1 else { throw SettingsError(key: "iterations", "must be at least 1, got \(n)") }
            plan = plan.with(iterations: n)
        }
        if let crop = settings.crop {
            guard crop >= 4 else { throw SettingsError(key: "crop", "must be at least 4 pixels, got \(crop)") }
            plan.crop = crop
        }
        if let batch = settings.batch {
            guard batch >= 1 else { throw SettingsError(key: "batch", "must be at least 1, got \(batch)") }
            plan.batch = batch
        }
        if let learningRate = settings.learningRate {
            guard learningRate > 0, learningRate.isFinite else {
                throw SettingsError(key: "learning_rate", "must be positive, got \(learningRate)")
            }
            plan.learningRate = learningRate
        }
        guard (0...1).contains(settings.strength) else {
            throw SettingsError(key: "strength", "must be from 0 to 1, got \(settings.strength)")
        }
        threads = try DenoiseSettings.engineThreads(settings.threads, concurrency: settings.concurrency)
        guard settings.maxPixels >= 1 else { throw SettingsError(key: "max_pixels", "must be positive, got \(settings.maxPixels)") }
        guard (1...100).contains(settings.jpegQuality) else {
            throw SettingsError(key: "jpeg_quality", "must be between 1 and 100, got \(settings.jpegQuality)")
        }
        self.settings = settings
        self.preset = preset
        self.plan = plan
    }

    public static func == (a: DenoiseOptions, b: DenoiseOptions) -> Bool {
        a.settings == b.settings && a.method.isEqual(to: b.method) && a.methodSettings == b.methodSettings
            && a.preset == b.preset && a.plan == b.plan && a.threads == b.threads
    }
}
