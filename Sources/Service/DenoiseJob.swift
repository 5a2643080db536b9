import Denoiser
import Engine
import Foundation
import Imaging

/// What a denoising run is asked to do; shared by the CLI and the daemon's configuration.
public struct DenoiseSettings: Sendable, Codable, Equatable {
    public var sampler: String
    public var preset: String
    /// Overrides the preset's iteration count (its schedule is scaled to match).
    public var iterations: Int?
    public var seed: UInt64
    /// Engine threads; 0 uses every core.
    public var threads: Int
    public var maxPixels: Int
    public var jpegQuality: Int
    /// Kernel pairs declared by the user, usable as samplers by name.
    public var declaredSamplers: [DeclaredSampler]
    /// Overrides of the preset's crop side, crops per iteration and learning rate, for experiments.
    public var crop: Int?
    public var batch: Int?
    public var learningRate: Double?

    public init(sampler: String = "original", preset: String = Preset.balanced.name, iterations: Int? = nil,
                seed: UInt64 = 0, threads: Int = 0, maxPixels: Int = ImageIO.defaultMaxPixels,
                jpegQuality: Int = 95, declaredSamplers: [DeclaredSampler] = [], crop: Int? = nil,
                batch: Int? = nil, learningRate: Double? = nil) {
        self.sampler = sampler
        self.preset = preset
        self.iterations = iterations
        self.seed = seed
        self.threads = threads
        self.maxPixels = maxPixels
        self.jpegQuality = jpegQuality
        self.declaredSamplers = declaredSamplers
        self.crop = crop
        self.batch = batch
        self.learningRate = learningRate
    }

    /// The sampler these settings name: a built-in or a declared one.
    public func resolvedSampler() throws -> Sampler {
        if let declared = declaredSamplers.first(where: { $0.name == sampler }) { return try declared.sampler() }
        if let builtin = Sampler.named(sampler) { return builtin }
        let known = (Sampler.builtins.map(\.name) + declaredSamplers.map(\.name)).joined(separator: ", ")
        throw SettingsError("unknown sampler '\(sampler)'; known: \(known)")
    }

    /// The preset's training plan, with the iteration override applied.
    public func resolvedPlan() throws -> (Preset, TrainingPlan) {
        guard let preset = Preset.named(preset) else {
            throw SettingsError("unknown preset '\(preset)'; known: \(Preset.all.map(\.name).joined(separator: ", "))")
        }
        var plan = preset.plan
        if let n = iterations {
            guard n >= 1 else { throw SettingsError("iterations must be at least 1, got \(n)") }
            plan = plan.with(iterations: n)
        }
        if let crop {
            guard crop >= 4 else { throw SettingsError("crop must be at least 4 pixels, got \(crop)") }
            plan.crop = crop
        }
        if let batch {
            guard batch >= 1 else { throw SettingsError("batch must be at least 1, got \(batch)") }
            plan.batch = batch
        }
        if let learningRate {
            guard learningRate > 0, learningRate.isFinite else { throw SettingsError("learning rate must be positive, got \(learningRate)") }
            plan.learningRate = learningRate
        }
        return (preset, plan)
    }

    /// Checks every value; the error names the setting.
    public func validate() throws {
        _ = try resolvedSampler()
        _ = try resolvedPlan()
        guard threads >= 0 else { throw SettingsError("threads must be 0 (every core) or more, got \(threads)") }
        guard maxPixels >= 1 else { throw SettingsError("max_pixels must be positive, got \(maxPixels)") }
        guard (1...100).contains(jpegQuality) else { throw SettingsError("jpeg_quality must be 1 to 100, got \(jpegQuality)") }
    }
}

/// A kernel pair declared in a configuration: `{name, k1, k2, stride, divisor}`.
public struct DeclaredSampler: Sendable, Codable, Equatable {
    public var name: String
    public var k1: [[Double]]
    public var k2: [[Double]]
    public var stride: Int
    public var divisor: Double

    public init(name: String, k1: [[Double]], k2: [[Double]], stride: Int, divisor: Double) {
        self.name = name
        self.k1 = k1
        self.k2 = k2
        self.stride = stride
        self.divisor = divisor
    }

    /// A JSON list of declarations, or a single one.
    public static func list(fromJSON text: String) throws -> [DeclaredSampler] {
        let data = Data(text.utf8)
        if let list = try? JSONDecoder().decode([DeclaredSampler].self, from: data) { return list }
        return [try JSONDecoder().decode(DeclaredSampler.self, from: data)]
    }

    public func sampler() throws -> Sampler {
        if Sampler.named(name) != nil { throw SettingsError("declared sampler '\(name)' would hide the built-in one of that name") }
        return try Sampler.declared(name: name, first: k1, second: k2, stride: stride, divisor: divisor)
    }
}

public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where a job stands, reported after every training iteration.
public struct JobProgress: Sendable {
    public var iteration: Int
    public var total: Int
    public var loss: Float
    public var fraction: Double { total == 0 ? 1 : Double(iteration) / Double(total) }
}

/// A denoised image, ready to write, and its sidecar.
public struct JobResult {
    public var image: Image
    public var info: ImageSourceInfo
    public var sidecar: Sidecar
    /// The bit depth to write the output at: 16 for 16-bit inputs, else 8.
    public var outputBitDepth: Int { info.bitDepth == 16 ? 16 : 8 }
}

/// One image through zsn2n: decode, train, denoise, measure. Writes nothing: the CLI writes the
/// result where it is told, the daemon commits it atomically.
public enum DenoiseJob {
    /// Thrown when `progress` asks to stop; the job stops at an iteration boundary.
    public struct Cancelled: Error, CustomStringConvertible {
        public var description: String { "cancelled" }
    }

    public static func run(input: String, reference: String?, outputName: String, settings: DenoiseSettings,
                           progress: (JobProgress) -> Bool = { _ in true }) throws -> JobResult {
        var clock = Stopwatch()
        try settings.validate()
        let sampler = try settings.resolvedSampler()
        let (preset, presetPlan) = try settings.resolvedPlan()
        if settings.threads > 0 { Parallel.threads = settings.threads } else { Parallel.threads = Parallel.defaultThreads }

        let sha256 = try SHA256.hexDigest(ofFile: input)
        var (noisy, info) = try ImageIO.read(input, maxPixels: settings.maxPixels)
        let clean = try reference.map { try readReference($0, matching: noisy, input: input, maxPixels: settings.maxPixels) }
        let decodeSeconds = clock.lap()

        let (h, w) = sampler.outputSize(height: noisy.height, width: noisy.width)
        guard h >= 1, w >= 1 else {
            throw ImageError(file: input, reason: "a \(noisy.width)x\(noisy.height) image is too small for sampler \(sampler.name), which needs at least \(sampler.minimumSide) pixels a side")
        }
        // Everything measured on the noisy image is measured now: it is then denoised in place, so
        // that a large photo is held in memory once.
        let inputMetrics = Metrics.noReference(noisy)
        let inputReference = clean.map { (psnr: Metrics.psnr(noisy, $0), ssim: Metrics.ssim(noisy, $0)) }
        let (width, height, channels, alpha) = (noisy.width, noisy.height, noisy.channels, noisy.alpha)
        let plan = presetPlan.fitted(height: height, width: width)
        let trainer = try Trainer(pixels: noisy.pixels, channels: channels, height: height, width: width,
                                  sampler: sampler, plan: plan, seed: settings.seed)
        noisy.pixels = []
        let finished = trainer.train { p in
            progress(JobProgress(iteration: p.iteration, total: p.total, loss: Float(p.loss)))
        }
        guard finished else { throw Cancelled() }
        let trainSeconds = clock.lap()

        var pixels = trainer.takeImage()
        Inference.denoiseInPlace(&pixels, channels: channels, height: height, width: width, network: trainer.network)
        let denoised = Image(width: width, height: height, channels: channels, pixels: pixels, alpha: alpha)
        let denoiseSeconds = clock.lap()

        let referenceBlock = clean.map { clean in
            Sidecar.ReferenceBlock(file: URL(fileURLWithPath: reference!).lastPathComponent,
                                   psnrInput: FiniteDouble(inputReference!.psnr),
                                   psnrOutput: FiniteDouble(Metrics.psnr(denoised, clean)),
                                   ssimInput: FiniteDouble(inputReference!.ssim),
                                   ssimOutput: FiniteDouble(Metrics.ssim(denoised, clean)))
        }
        let sidecar = Sidecar(
            zsn2nVersion: zsn2nVersion,
            created: ISO8601DateFormatter().string(from: Date()),
            input: .init(file: URL(fileURLWithPath: input).lastPathComponent, format: info.format.rawValue,
                         width: width, height: height,
                         channels: channels + (alpha == nil ? 0 : 1), colorType: info.colorType,
                         bitDepth: info.bitDepth, sha256: sha256),
            output: .init(file: outputName, format: info.format.rawValue,
                          bitDepth: info.format == .jpeg ? 8 : (info.bitDepth == 16 ? 16 : 8)),
            denoiser: .init(sampler: sampler.name, preset: preset.name, iterations: plan.iterations,
                            seed: settings.seed, learningRate: plan.learningRate, stepSize: plan.stepSize,
                            gamma: plan.gamma, crop: plan.crop, batch: plan.batch, threads: Parallel.threads,
                            declared: settings.declaredSamplers.first { $0.name == sampler.name }),
            metrics: .init(input: .init(inputMetrics), output: .init(Metrics.noReference(denoised)),
                           reference: referenceBlock),
            timing: .init(decodeS: decodeSeconds, trainS: trainSeconds, denoiseS: denoiseSeconds, totalS: clock.total()),
            loss: .init(first: trainer.firstLoss, last: trainer.lastLoss))
        return JobResult(image: denoised, info: info, sidecar: sidecar)
    }

    /// The clean image for `reference`, which must have the noisy image's size and channels.
    static func readReference(_ path: String, matching noisy: Image, input: String, maxPixels: Int) throws -> Image {
        let (clean, _) = try ImageIO.read(path, maxPixels: maxPixels)
        guard clean.width == noisy.width, clean.height == noisy.height, clean.channels == noisy.channels else {
            throw ImageError(file: path, reason: "reference is \(clean.width)x\(clean.height) with \(clean.channels) colour channel(s), but \(URL(fileURLWithPath: input).lastPathComponent) is \(noisy.width)x\(noisy.height) with \(noisy.channels)")
        }
        return clean
    }
}

public let zsn2nVersion = "0.1.0"

/// Wall-clock laps for the sidecar's timing block.
struct Stopwatch {
    private let start = DispatchTime.now().uptimeNanoseconds
    private var last = DispatchTime.now().uptimeNanoseconds

    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }

    func total() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
