import Engine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A synthetic noise model, for experiments on clean images (DESIGN.md section 1, "Noise models").
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

/// Exact Poisson sampling, fast for every mean.
enum PoissonSampler {
    /// A Poisson(mean) draw.
    /// - mean < 10: Knuth's multiplication method (TAOCP vol. 2, 3.4.1): multiply uniforms until the
    ///   product drops below e^-mean; the count is Poisson. About mean + 1 uniforms per draw.
    /// - mean >= 10: Hoermann's PTRS, transformed rejection with squeeze (W. Hoermann, "The
    ///   transformed rejection method for generating Poisson random variables", Insurance:
    ///   Mathematics and Economics 12, 1993), the algorithm numpy uses; about 1.1 pairs of uniforms
    ///   per draw whatever the mean. Both are exact (no normal approximation).
    @inline(__always)
    static func draw(mean: Double, rng: inout Random) -> Int {
        if mean <= 0 { return 0 }
        if mean < 10 {
            let limit = exp(-mean)
            var k = 0
            var prod = rng.uniformDouble()
            while prod > limit {
                k += 1
                prod *= rng.uniformDouble()
            }
            return k
        }
        return ptrs(mean: mean, rng: &rng)
    }

    static func ptrs(mean lam: Double, rng: inout Random) -> Int {
        let slam = lam.squareRoot()
        let loglam = log(lam)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = rng.uniformDouble() - 0.5
            let v = rng.uniformDouble()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lam + 0.43).rounded(.down)
            // Squeeze: accepted without the log test.
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            // log(v * invalpha / (a / us^2 + b)) <= -lam + k log(lam) - log(k!)
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - logFactorial(k) {
                return Int(k)
            }
        }
    }

    /// log(k!) = lgamma(k + 1) for integral k >= 0: a table below 10 (where PTRS rarely asks),
    /// Stirling's series above (error < 1e-12 there). Pure, unlike lgamma, which writes `signgam`.
    static func logFactorial(_ k: Double) -> Double {
        if k < 10 { return smallLogFactorials[Int(k)] }
        let x = k + 1
        let x2 = 1 / (x * x)
        // lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + 1/(12x) - 1/(360x^3) + 1/(1260x^5) - 1/(1680x^7)
        let series = (1.0 / 12 - x2 * (1.0 / 360 - x2 * (1.0 / 1260 - x2 * (1.0 / 1680)))) / x
        return (x - 0.5) * log(x) - x + 0.918_938_533_204_672_741_78 + series
    }

    static let smallLogFactorials: [Double] = {
        var t = [Double](repeating: 0, count: 10)
        var f = 1.0
        for i in 1..<10 { f *= Double(i); t[i] = log(f) }
        return t
    }()
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
