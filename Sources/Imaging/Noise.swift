import Engine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A synthetic noise model, for experiments on clean images (docs/method.md, "Noise models").
///
/// Text form (`init(parsing:)`, `description`): `gauss:SIGMA`, `poisson:PEAK`, `saltpepper:P`.
public enum NoiseModel: Equatable, Sendable, CustomStringConvertible {
    /// Additive Gaussian noise, `sigma` on the 0-255 scale: x + N(0, (sigma/255)^2), clamped to [0, 1].
    case gauss(sigma: Double)
    /// Shot noise: Poisson(peak * x) / peak, not clamped.
    case poisson(peak: Double)
    /// Impulse noise: each sample becomes the image max with probability p/2, the image min with p/2.
    case saltPepper(probability: Double)

    /// Largest accepted Gaussian sigma (0-255 scale). Beyond a few hundred the clamped output is
    /// already black-and-white noise; a larger number is almost surely a mistake.
    public static let maxGaussSigma = 1000.0
    /// Largest accepted Poisson peak. At 1e6 photons the noise is ~0.1% of full scale; far larger
    /// peaks add nothing measurable and are almost surely a mistake.
    public static let maxPoissonPeak = 1_000_000.0

    static let allowedForms =
        "gauss:SIGMA (0 < SIGMA <= 1000, on the 0-255 scale, e.g. gauss:25), "
        + "poisson:PEAK (0 < PEAK <= 1000000, e.g. poisson:50) "
        + "or saltpepper:P (0 < P <= 1, e.g. saltpepper:0.05)"

    /// Parses "gauss:25", "poisson:50", "saltpepper:0.05". The kind is case-insensitive and
    /// surrounding spaces are ignored; the number must be finite and in range (see `allowedForms`).
    public init(parsing text: String) throws {
        func fail(_ why: String) -> NoiseModelError {
            NoiseModelError(text: text, reason: "\(why); expected \(NoiseModel.allowedForms)")
        }
        let trimmed = text.trimmingWhitespace()
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw fail(trimmed.isEmpty ? "empty noise model" : "missing ':' between the kind and its level")
        }
        let kind = trimmed[..<colon].trimmingWhitespace().lowercased()
        let numberText = trimmed[trimmed.index(after: colon)...].trimmingWhitespace()
        guard ["gauss", "poisson", "saltpepper"].contains(kind) else {
            throw fail("unknown kind '\(kind)'")
        }
        guard !numberText.isEmpty else { throw fail("missing level after '\(kind):'") }
        guard let value = Double(numberText), value.isFinite else {
            throw fail("'\(numberText)' is not a number")
        }
        switch kind {
        case "gauss":
            guard value > 0, value <= NoiseModel.maxGaussSigma else {
                throw fail("gauss sigma \(numberText) is out of range")
            }
            self = .gauss(sigma: value)
        case "poisson":
            guard value > 0, value <= NoiseModel.maxPoissonPeak else {
                throw fail("poisson peak \(numberText) is out of range")
            }
            self = .poisson(peak: value)
        default:
            guard value > 0, value <= 1 else {
                throw fail("saltpepper probability \(numberText) is outside (0, 1]")
            }
            self = .saltPepper(probability: value)
        }
    }

    /// The canonical text form, which `init(parsing:)` reads back to an equal value:
    /// "gauss:25", "poisson:50", "saltpepper:0.05" (integral values without a decimal point,
    /// others in Swift's shortest round-tripping form).
    public var description: String {
        switch self {
        case .gauss(let s): return "gauss:\(NoiseModel.format(s))"
        case .poisson(let l): return "poisson:\(NoiseModel.format(l))"
        case .saltPepper(let p): return "saltpepper:\(NoiseModel.format(p))"
        }
    }

    static func format(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// The noisy version of `image`, reproducible: the same image, model and seed give the same
    /// bits on every machine and any core count. Alpha is copied untouched.
    ///
    /// Randomness: the samples are cut into blocks of 65536 (in the planar `pixels` order); block b
    /// draws from `Random(seed: seed, stream: noiseStream + b)`, so blocks run in parallel without
    /// the result depending on the split.
    public func apply(to image: Image, seed: UInt64) -> Image {
        var out = image
        let n = image.pixels.count
        if n == 0 { return out }
        let block = NoiseModel.blockSize
        let blocks = (n + block - 1) / block
        switch self {
        case .gauss(let sigma):
            // x + N(0, (sigma/255)^2), then clamped to [0, 1] (the study's
            // clamp(x + randn * level/255, 0, 1)). Normal draws: Random.normal() (Box-Muller).
            let s = sigma / 255
            NoiseModel.forEachBlock(image, &out, seed: seed, blocks: blocks) { src, dst, range, rng in
                for i in range {
                    let v = Double(src[i]) + s * rng.normal()
                    dst[i] = Float(min(1, max(0, v)))
                }
            }
        case .poisson(let peak):
            // Poisson(peak * x) / peak per sample, as the study's torch.poisson(level * x) / level.
            // Not clamped (again as the study): a bright sample can come out above 1, and the mean
            // of the output equals the input, which clamping would bias. Negative inputs count as 0.
            NoiseModel.forEachBlock(image, &out, seed: seed, blocks: blocks) { src, dst, range, rng in
                for i in range {
                    let mean = peak * Double(max(0, src[i]))
                    dst[i] = Float(Double(PoissonSampler.draw(mean: mean, rng: &rng)) / peak)
                }
            }
        case .saltPepper(let p):
            // Per sample r ~ U[0, 1): r < p/2 -> image max, r > 1 - p/2 -> image min, else unchanged,
            // as the study's y[r < p/2] = x.max(); y[r > 1 - p/2] = x.min(). Max and min are over
            // every colour sample of the image (all channels), not per channel.
            var lo = image.pixels[0], hi = image.pixels[0]
            for v in image.pixels { lo = min(lo, v); hi = max(hi, v) }
            let half = p / 2
            NoiseModel.forEachBlock(image, &out, seed: seed, blocks: blocks) { src, dst, range, rng in
                for i in range {
                    let r = rng.uniformDouble()
                    if r < half { dst[i] = hi } else if r > 1 - half { dst[i] = lo }
                }
            }
        }
        return out
    }

    static let blockSize = 1 << 16
    /// The stream label noise draws from (then + block index): "NOISE" in ASCII.
    static let noiseStream: UInt64 = 0x4E_4F_49_53_45_0000

    /// Runs `body` per block of samples on all cores, each block with its own generator. `dst` starts
    /// as a copy of `src`.
    static func forEachBlock(
        _ image: Image, _ out: inout Image, seed: UInt64, blocks: Int,
        _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Range<Int>, inout Random) -> Void
    ) {
        let n = image.pixels.count
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                MetricKernels.parallelFor(blocks) { b in
                    var rng = Random(seed: seed, stream: noiseStream &+ UInt64(b))
                    let start = b * blockSize
                    body(s, d, start..<min(n, start + blockSize), &rng)
                }
            }
        }
    }
}

fileprivate extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines (no Foundation needed).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

/// A noise model text that could not be parsed: names the text, says why and lists the allowed forms.
public struct NoiseModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public var text: String
    public var reason: String
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "invalid noise model '\(text)': \(reason)" }
}
