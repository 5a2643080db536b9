import Engine
import Imaging

/// Ours: Noise2Noise between two full-resolution images drawn pixel by pixel from each pixel's bank
/// of similar pixels (`PixelBank`), the banks' candidates spread as far as the noise is correlated,
/// measured on the image (`NoiseCorrelation`), so that it works on real camera and microscope noise
/// (`PixelBankObjective`); the output averages the network over bank draws and then over banks
/// searched on the output (`PixelBankInference`).
public struct PixelBankMethod: DenoisingMethod, Equatable {
    public static let name = "pixel-bank"
    public static let summary = "pixel banks: full-resolution pairs of similar pixels, as far apart as the noise is correlated"

    /// The candidates' stride set by hand, for experiments (nil: the noise's measured reach).
    public let stride: Int?
    /// Mechanisms taken away, for the ablation.
    public let without: Set<PixelBankMechanism>

    public init(stride: Int? = nil, without: Set<PixelBankMechanism> = []) {
        self.stride = stride
        self.without = without
    }

    public init(_ settings: MethodSettings) throws {
        if let stride = settings.bankStride {
            guard (1...8).contains(stride) else { throw SettingsError(key: "bank_stride", "must be 1 to 8, got \(stride)") }
        }
        var without = Set<PixelBankMechanism>()
        for name in settings.without {
            guard let mechanism = PixelBankMechanism(rawValue: name) else {
                throw SettingsError(key: "method", "'\(name)' is not a mechanism (one of \(PixelBankMechanism.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            without.insert(mechanism)
        }
        self.init(stride: settings.bankStride, without: without)
    }

    /// Many short steps on small crops at twice ZS-N2N's rate, the rate halved every third of the
    /// way: each iteration draws new pairs from the banks, so many short steps on small crops learn
    /// more per second than few long ones (docs/measurements.md, "Presets"). On the whole
    /// image (`paper`): a third of ZS-N2N's iterations.
    static let plans: [String: TrainingPlan] = [
        Preset.paper.name: TrainingPlan(iterations: 1000, stepSize: 333),
        Preset.balanced.name: TrainingPlan(iterations: 3000, learningRate: 2e-3, stepSize: 1000, crop: 64, batch: 2),
        Preset.fast.name: TrainingPlan(iterations: 1000, learningRate: 2e-3, stepSize: 333, crop: 64),
    ]

    public static func plan(_ preset: Preset) -> TrainingPlan { plans[preset.name]! }

    public var settingFields: [String: String] {
        var fields: [String: String] = [:]
        if let stride { fields["bank_stride"] = "\(stride)" }
        if !without.isEmpty { fields["without"] = without.map(\.rawValue).sorted().joined(separator: ",") }
        return fields
    }

    /// What the method does on an image of `pixels` whose noise reaches `reach` pixels.
    public func settings(reach: Int, pixels: Int) -> PixelBankSettings {
        PixelBankSettings(reach: reach, pixels: pixels, stride: stride, without: without)
    }

    public func prepare(_ image: Image, plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws -> any DenoisingRun {
        let correlation = NoiseCorrelation.measure(image)
        let (height, width) = (image.height, image.width)
        let settings = settings(reach: correlation.reach, pixels: width * height)
        let fitted = plan.fitted(height: height, width: width)
        let made = try PixelBankMethod.trainer(pixels: image.pixels, channels: image.channels, height: height, width: width,
                                               settings: settings, plan: fitted, seed: seed, parallel: parallel)
        return Run(trainer: made.trainer, settings: settings, acceptance: made.acceptance,
                   bankReport: PixelBankReport(settings: settings, keptFraction: made.keptFraction, regions: made.regions,
                                               correlation: correlation),
                   seed: seed, parallel: parallel)
    }

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

    /// What the method's training allocates: the network, and the larger of what the banks hold
    /// while they are built (searched one after another, then an acceptance fitted on them all)
    /// and what training then holds (the accepted banks, the lanes' workspaces, the optimiser).
    public static func trainingMemory(channels: Int, crop: (height: Int, width: Int),
                                      regions: [(top: Int, left: Int, height: Int, width: Int)], stride: Int,
                                      batch: Int, threads: Int) -> MemoryPlan {
        let size = PixelBank.size(stride: stride)
        let banks = regions.map { PixelBank.memory(pixels: $0.height * $0.width, size: size) }
        let search = regions.reduce(MemoryPlan()) { plan, region in
            .peak(plan, PixelBank.searchMemory(channels: channels, height: region.height, width: region.width,
                                               stride: stride, threads: threads))
        }
        let building = banks.reduce(MemoryPlan()) { $0 + $1.building }.named("pixel banks (while built)")
            + .peak(search.named("bank search"),
                    PixelBank.Acceptance.fittingMemory(pixels: regions.reduce(0) { $0 + $1.height * $1.width }))
        let training = banks.reduce(MemoryPlan()) { $0 + $1.kept }.named("pixel banks")
            + PixelBankObjective.memory(channels: channels, crop: crop, batch: batch, threads: threads)
            + Adam.memory(parameterCount: ParameterLayout(channels: channels).count).named("optimiser state")
        return Network.memory(channels: channels, threads: threads) + .peak(building, training)
    }

    /// A trainer of the pixel-bank method on the planar image `pixels`, as `settings` say, the plan
    /// as it is (already fitted). Also returns the acceptance fitted on the banks, which inference
    /// reuses, the fraction of matches it kept, and how many regions the banks cover.
    public static func trainer(pixels: [Float], channels: Int, height: Int, width: Int, settings: PixelBankSettings,
                               plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws
        -> (trainer: Trainer, acceptance: PixelBank.Acceptance, keptFraction: Double, regions: Int) {
        let crop = Trainer.cropSize(plan, height: height, width: width)
        let regions = regions(height: height, width: width, crop: crop, seed: seed)
        let memory = trainingMemory(channels: channels, crop: crop, regions: regions, stride: settings.stride,
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
        return (trainer, acceptance!, kept, regions.count)
    }

    struct Run: DenoisingRun {
        let trainer: Trainer
        let settings: PixelBankSettings
        let acceptance: PixelBank.Acceptance
        let bankReport: PixelBankReport
        let seed: UInt64
        let parallel: Parallel

        var inferenceMemory: MemoryPlan {
            PixelBankInference.memory(channels: trainer.channels, height: trainer.height, width: trainer.width,
                                      settings: settings, threads: parallel.threads)
        }

        func denoise(_ pixels: inout [Float]) {
            PixelBankInference.denoiseInPlace(&pixels, channels: trainer.channels, height: trainer.height, width: trainer.width,
                                              network: trainer.network, settings: settings, acceptance: acceptance,
                                              seed: seed, parallel: parallel)
        }

        var report: MethodReport {
            MethodReport(headline: "\(PixelBankMethod.name) (stride \(settings.stride))", fields: ["pixelBank": bankReport])
        }
    }
}

/// The sidecar's `pixel_bank` block: the method's parameters on this image and what it measured to
/// choose them.
public struct PixelBankReport: Encodable, Sendable, Equatable {
    /// The bank's candidates lie on a lattice of this step: the noise's reach.
    public var stride: Int
    /// True when the stride is the measured reach (false: set by hand).
    public var strideMeasured: Bool
    public var bankSize: Int
    public var patch: Int
    public var radius: Int
    /// A match is kept within tau times the reference distance at its brightness; nil when every
    /// match is kept (the acceptance taken away, for an ablation), and then absent.
    public var tau: Double?
    /// The percentile of the best matches' distances that is the reference (0.1 for white noise,
    /// 0.25 for correlated); absent with tau.
    public var acceptancePercentile: Double?
    /// The fraction of the training banks' matches kept (the rest are the pixel itself).
    public var keptFraction: Double
    /// Banks built for training: 1 for the whole image, more for regions of a large one.
    public var regions: Int
    /// Images drawn from the banks and averaged at inference.
    public var inferenceDraws: Int
    /// How many flips and turns of the noisy image half the output is averaged over (white noise:
    /// 8, fewer above a megapixel); 0 for none.
    public var ensemble: Int
    /// True when each pixel's output was averaged over its bank (false only in an ablation).
    public var aggregated: Bool
    public var noiseCorrelation: Correlation

    /// The noise's correlation as measured blind on the input (`NoiseCorrelation`).
    public struct Correlation: Encodable, Sendable, Equatable {
        public var horizontal: FiniteDouble
        public var vertical: FiniteDouble
        public var diagonal: FiniteDouble
        public var reach: Int
        public var sigma: FiniteDouble

        public init(_ c: NoiseCorrelation) {
            horizontal = FiniteDouble(c.at(dy: 0, dx: 1)!)
            vertical = FiniteDouble(c.at(dy: 1, dx: 0)!)
            diagonal = FiniteDouble(c.at(dy: 1, dx: 1)!)
            reach = c.reach
            sigma = FiniteDouble(c.sigma * 255)
        }
    }

    init(settings s: PixelBankSettings, keptFraction: Double, regions: Int, correlation: NoiseCorrelation) {
        stride = s.stride
        strideMeasured = s.strideMeasured
        bankSize = PixelBank.size(stride: s.stride)
        patch = PixelBank.patch
        radius = PixelBank.radius
        tau = s.tau.isFinite ? Double(s.tau) : nil
        acceptancePercentile = s.tau.isFinite ? s.percentile : nil
        self.keptFraction = keptFraction
        self.regions = regions
        inferenceDraws = s.draws
        ensemble = s.ensemble.count
        aggregated = s.aggregation
        noiseCorrelation = Correlation(correlation)
    }
}
