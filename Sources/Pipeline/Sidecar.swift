import Denoiser
import Dispatch
import Foundation
import Imaging
import Platform

/// The JSON document written beside every denoised image ("NAME.json") and printed by
/// `zsn2n denoise --json`. Versioned by `schema`; its JSON Schema is schema/zsn2n.sidecar-1.schema.json.
/// Keys are snake_case. Numbers that are not finite (PSNR of identical images) are written as null.
public struct Sidecar: Codable, Sendable, Equatable {
    public static let schemaID = "zsn2n.sidecar/1"

    public var schema: String = Sidecar.schemaID
    public var zsn2nVersion: String
    public var created: String
    public var input: InputBlock
    public var output: OutputBlock
    public var denoiser: DenoiserBlock
    public var metrics: MetricsBlock
    public var timing: TimingBlock
    public var loss: LossBlock

    public struct InputBlock: Codable, Sendable, Equatable {
        public var file: String
        public var format: String
        public var width: Int
        public var height: Int
        /// Channels in the file, alpha included (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
        public var channels: Int
        public var colorType: String
        public var bitDepth: Int
        public var sha256: String
    }

    public struct OutputBlock: Codable, Sendable, Equatable {
        public var file: String
        public var format: String
        public var bitDepth: Int
    }

    public struct DenoiserBlock: Codable, Sendable, Equatable {
        /// "zs-n2n" or "pixel-bank".
        public var method: String
        /// ZS-N2N's pair downsampler; "pixel-bank" for that method.
        public var sampler: String
        public var preset: String
        public var iterations: Int
        public var seed: UInt64
        public var learningRate: Double
        public var stepSize: Int
        public var gamma: Double
        /// Side of the random crops trained on; null when training on the whole image.
        public var crop: Int?
        /// Crops per iteration.
        public var batch: Int
        public var threads: Int
        /// The engine's kernels: "avx512" or "avx2" (CPUPath), the instruction set the training ran
        /// on; results are bit-for-bit reproducible for a seed on one path, not across paths.
        public var cpu: String
        /// The kernel pair of a sampler declared by the user (absent for a built-in one), so that
        /// the sidecar alone says how the image was made.
        public var declared: DeclaredSampler?
        /// The pixel-bank method's parameters and what it measured to choose them.
        public var pixelBank: PixelBankBlock?
    }

    public struct PixelBankBlock: Codable, Sendable, Equatable {
        /// The bank's candidates lie on a lattice of this step: the noise's reach.
        public var stride: Int
        /// True when the stride is the measured reach (false: set by hand).
        public var strideMeasured: Bool
        public var bankSize: Int
        public var patch: Int
        public var radius: Int
        /// A match is kept within tau times the reference distance at its brightness; nil when
        /// every match is kept (the acceptance taken away, for an ablation), and then absent.
        public var tau: Double?
        /// The percentile of the best matches' distances that is the reference (0.1 for white
        /// noise, 0.25 for correlated); absent with tau.
        public var acceptancePercentile: Double?
        /// The fraction of the training banks' matches kept (the rest are the pixel itself).
        public var keptFraction: Double
        /// Banks built for training: 1 for the whole image, more for regions of a large one.
        public var regions: Int
        /// Images drawn from the banks and averaged at inference.
        public var inferenceDraws: Int
        /// How many flips and turns of the noisy image half the output is averaged over (white
        /// noise: 8, fewer above a megapixel); 0 for none.
        public var ensemble: Int
        /// True when each pixel's output was averaged over its bank (false only in an ablation).
        public var aggregated: Bool
        public var noiseCorrelation: CorrelationBlock
    }

    /// The noise's correlation as measured blind on the input (NoiseCorrelation).
    public struct CorrelationBlock: Codable, Sendable, Equatable {
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

    public struct ImageMetrics: Codable, Sendable, Equatable {
        public var sobel: FiniteDouble
        public var brenner: FiniteDouble
        public var noiseSigma: FiniteDouble

        public init(_ m: NoReferenceMetrics) {
            sobel = FiniteDouble(m.sobel)
            brenner = FiniteDouble(m.brenner)
            noiseSigma = FiniteDouble(m.noiseSigma)
        }
    }

    public struct ReferenceBlock: Codable, Sendable, Equatable {
        public var file: String
        public var psnrInput: FiniteDouble
        public var psnrOutput: FiniteDouble
        public var ssimInput: FiniteDouble
        public var ssimOutput: FiniteDouble
    }

    public struct MetricsBlock: Codable, Sendable, Equatable {
        public var input: ImageMetrics
        public var output: ImageMetrics
        public var reference: ReferenceBlock?

        enum CodingKeys: String, CodingKey { case input, output, reference }

        public init(input: ImageMetrics, output: ImageMetrics, reference: ReferenceBlock?) {
            self.input = input
            self.output = output
            self.reference = reference
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            input = try c.decode(ImageMetrics.self, forKey: .input)
            output = try c.decode(ImageMetrics.self, forKey: .output)
            reference = try c.decodeIfPresent(ReferenceBlock.self, forKey: .reference)
        }

        /// `reference` is always present, null when there was no clean image.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(input, forKey: .input)
            try c.encode(output, forKey: .output)
            try c.encode(reference, forKey: .reference)
        }
    }

    public struct TimingBlock: Codable, Sendable, Equatable {
        public var decodeS: Double
        public var trainS: Double
        public var denoiseS: Double
        public var totalS: Double
    }

    public struct LossBlock: Codable, Sendable, Equatable {
        public var first: Double?
        public var last: Double?
    }

    /// The document as the project writes JSON (`JSONFormat`): pretty, keys sorted.
    public func jsonData() throws -> Data {
        try JSONFormat.encoder().encode(self)
    }

    public static func decode(_ data: Data) throws -> Sidecar {
        try JSONFormat.decoder().decode(Sidecar.self, from: data)
    }
}

/// A number that is written as null when it is not finite (JSON has no infinity or NaN); read back,
/// null becomes NaN.
public struct FiniteDouble: Codable, Sendable, Equatable {
    public var value: Double

    public static func == (a: FiniteDouble, b: FiniteDouble) -> Bool {
        a.value == b.value || (!a.value.isFinite && !b.value.isFinite)
    }
    public init(_ value: Double) { self.value = value }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = c.decodeNil() ? .nan : try c.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isFinite { try c.encode(value) } else { try c.encodeNil() }
    }
}

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
