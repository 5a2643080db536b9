import Engine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
