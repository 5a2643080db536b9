import ArgumentParser
import Denoiser
import Engine
import Pipeline

/// `--threads`: every command that trains. None, or 0, is every core (`DenoiseSettings.engineThreads`,
/// the daemon's rule too).
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Engine threads (default: every core).") var threads: Int?

    func validate() throws { _ = try engineThreads() }

    /// The engine's threads, for the commands that run the engine themselves (`bench`, `reproduce`).
    func parallel() throws -> Parallel { Parallel(threads: try engineThreads()) }

    private func engineThreads() throws -> Int {
        do { return try DenoiseSettings.engineThreads(threads ?? 0, concurrency: 1) } catch let error as SettingsError {
            throw ValidationError(error)
        }
    }
}

/// The training every command that trains through `DenoiseOptions` takes (`denoise`, `evaluate`):
/// the preset, the iteration count, the seed and the threads.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Training preset: \(Preset.all.map(\.name).joined(separator: ", ")).") var preset = DenoiseSettings().preset
    @Option(parsing: .unconditional, help: "Training iterations (overrides the preset's; its schedule is scaled to match).")
    var iterations: Int?
    @Option(parsing: .unconditional, help: "Random seed: the same seed gives the same output.") var seed = DenoiseSettings().seed
    @OptionGroup var engine: ThreadOptions

    /// These settings, every other at its default.
    var settings: DenoiseSettings {
        var settings = DenoiseSettings()
        settings.preset = preset
        settings.iterations = iterations
        settings.seed = seed
        settings.threads = engine.threads ?? 0
        return settings
    }

    func validate() throws { _ = try DenoiseOptions(checking: settings) }
}

/// Every setting of `zsn2n denoise`: the method and its sampler, the training and its overrides,
/// the limits of the input and the output.
struct DenoisingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Denoising method: \(DenoisingMethods.names) (default \(DenoisingMethods.standard.name); \(ZSN2NMethod.name) when --sampler is given).", valueName: "method"))
    var method: String?
    @Option(help: "ZS-N2N's sampler (see `zsn2n samplers`), or the name of one given with --declare (default original).")
    var sampler: String?
    @Option(help: ArgumentHelp("Declare a kernel pair sampler as JSON: {\"name\":\"mine\",\"k1\":[[0,0.5],[0.5,0]],\"k2\":[[0.5,0],[0,0.5]],\"stride\":2,\"divisor\":1}.", valueName: "json"))
    var declare: [String] = []
    @OptionGroup var training: TrainingOptions
    @Option(parsing: .unconditional, help: "Train on random crops of this side (overrides the preset's).") var crop: Int?
    @Option(parsing: .unconditional, help: "Crops per iteration (overrides the preset's).") var batch: Int?
    @Option(parsing: .unconditional, help: "Adam's learning rate (overrides the preset's).") var learningRate: Double?
    @Option(parsing: .unconditional, help: .hidden) var bankStride: Int?
    @Option(parsing: .unconditional, help: "How much of the denoising to apply, 0 to 1: the output is strength x denoised + (1 - strength) x the input.")
    var strength = DenoiseSettings().strength
    @Option(parsing: .unconditional, help: "Refuse images with more pixels than this (checked before decoding).")
    var maxPixels = DenoiseSettings().maxPixels
    @Option(parsing: .unconditional, help: "JPEG quality of a JPEG output (1-100).") var jpegQuality = DenoiseSettings().jpegQuality

    func validate() throws { _ = try options() }

    /// The options, checked: the one way from these to what a job is asked to do.
    func options() throws -> DenoiseOptions {
        var settings = training.settings
        // A sampler is ZS-N2N's: naming one chooses that method, unless another is named too.
        settings.method = method ?? (sampler == nil ? DenoisingMethods.standard.name : ZSN2NMethod.name)
        if let sampler, settings.method.lowercased() == PixelBankMethod.name {
            throw ValidationError("--sampler \(sampler) is ZS-N2N's; --method pixel-bank uses none (drop one of the two)")
        }
        settings.sampler = sampler ?? settings.sampler
        settings.declarations = try Denoise.declarations(declare)
        settings.crop = crop
        settings.batch = batch
        settings.learningRate = learningRate
        settings.bankStride = bankStride
        settings.strength = strength
        settings.maxPixels = maxPixels
        settings.jpegQuality = jpegQuality
        return try DenoiseOptions(checking: settings)
    }
}

extension DenoiseOptions {
    /// `DenoiseOptions(validating:)`, a refusal told as the option it names (`--jpeg-quality: must
    /// be between 1 and 100, got 101`).
    init(checking settings: DenoiseSettings) throws {
        do { try self.init(validating: settings) } catch let error as SettingsError { throw ValidationError(error) }
    }
}

extension ValidationError {
    init(_ error: SettingsError) { self.init("\(error.option): \(error.reason)") }
}
