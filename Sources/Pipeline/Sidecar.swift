import Denoiser
import Dispatch
import Foundation
import Imaging
import Platform

/// The JSON document written beside every denoised image ("NAME.json") and printed by
/// `zsn2n denoise --json`. Versioned by `schema`; its JSON Schema is schema/zsn2n.sidecar-2.schema.json.
/// Keys are snake_case. Numbers that are not finite (PSNR of identical images) are written as null.
public struct Sidecar: Encodable, Sendable {
    public static let schemaID = "zsn2n.sidecar/2"

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

    public struct DenoiserBlock: Encodable, Sendable {
        /// The method's name (`DenoisingMethods`): "pixel-bank", "zs-n2n".
        public var method: String
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
        /// How much of the denoising the output took: strength x denoised + (1 - strength) x input.
        public var strength: Double
        /// The engine's kernels: "avx512" or "avx2" (CPUPath), the instruction set the training ran
        /// on; results are bit-for-bit reproducible for a seed on one path, not across paths.
        public var cpu: String
        /// The keys only this method has (`MethodReport.fields`): ZS-N2N's `sampler` and, for a
        /// sampler the user declared, `declared` (its kernel pair, so that the sidecar alone says
        /// how the image was made); the pixel bank's `pixel_bank` block.
        public var methodFields: [String: any Encodable & Sendable]

        enum CodingKeys: String, CodingKey {
            case method, preset, iterations, seed, learningRate, stepSize, gamma, crop, batch, threads, strength, cpu
        }

        struct MethodKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// The common keys (`crop` absent when training on the whole image), then the method's own.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(method, forKey: .method)
            try c.encode(preset, forKey: .preset)
            try c.encode(iterations, forKey: .iterations)
            try c.encode(seed, forKey: .seed)
            try c.encode(learningRate, forKey: .learningRate)
            try c.encode(stepSize, forKey: .stepSize)
            try c.encode(gamma, forKey: .gamma)
            try c.encodeIfPresent(crop, forKey: .crop)
            try c.encode(batch, forKey: .batch)
            try c.encode(threads, forKey: .threads)
            try c.encode(strength, forKey: .strength)
            try c.encode(cpu, forKey: .cpu)
            var fields = encoder.container(keyedBy: MethodKey.self)
            for (key, value) in methodFields { try fields.encode(value, forKey: MethodKey(stringValue: key)) }
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
