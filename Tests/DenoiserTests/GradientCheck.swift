import Engine
@testable import Denoiser

/// An analytic gradient against central finite differences, as both losses' tests check theirs:
/// 12 parameters picked at random in every tensor of the network (seeded), each differenced at
/// two steps. LeakyReLU has a kink at zero; a difference whose step moves some pre-activation
/// across it is not a derivative. Such steps show as central differences at h and h/2 that
/// disagree; they are skipped, and the rest must agree with the analytic gradient. Float32
/// rounding and kinks both steps straddle leave errors of a few per cent of the largest gradient;
/// a wrong or missing term shows as tens of per cent.
struct GradientCheck {
    /// The largest analytic gradient, the scale the errors are judged against.
    var scale: Double
    /// The largest difference between a usable central difference and the analytic gradient.
    var worst = 0.0
    /// Differences left out because their two steps disagreed (a kink), of `12 * tensors`.
    var skipped = 0

    /// `loss(parameters)` evaluates the loss with those parameters in the network.
    init(network: Network, analytic: [Float], pickSeed: UInt64, loss: ([Float]) -> Double) {
        var params = network.parameters
        func central(_ i: Int, _ h: Float) -> Double {
            let saved = params[i]
            params[i] = saved + h; let up = loss(params)
            params[i] = saved - h; let down = loss(params)
            params[i] = saved
            return (up - down) / Double(2 * h)
        }
        scale = Double(analytic.map(abs).max()!)
        var pick = Random(seed: pickSeed)
        for entry in network.layout.tensors {
            for _ in 0..<12 {
                let i = entry.range.lowerBound + pick.int(below: entry.range.count)
                let wide = central(i, 2e-3), narrow = central(i, 1e-3)
                if abs(wide - narrow) > 2e-3 * scale {
                    skipped += 1
                    continue
                }
                worst = max(worst, abs(narrow - Double(analytic[i])))
            }
        }
    }
}
