/// What the pixel-bank method does on one image, chosen from the noise measured on it: the one
/// place where the measurement, an override for experiments, and an ablation become numbers.
public struct PixelBankSettings: Sendable, Equatable {
    /// The candidates' lattice step.
    public var stride: Int
    /// True when the stride is the noise's measured reach (false: set by hand, or ablated).
    public var strideMeasured: Bool
    /// Matches kept within tau times the reference at their brightness; infinity keeps all.
    public var tau: Float
    /// The percentile of the best matches' distances that sets the reference.
    public var percentile: Double
    /// Training samples flipped and turned, and the output half the flip-turn ensemble of F(y).
    public var symmetries: Bool
    /// Bank draws averaged at inference.
    public var draws: Int
    /// With `symmetries`, the flips and turns the output is also averaged over.
    public var ensemble: [Dihedral]
    /// The output averaged over each pixel's bank (`PixelBankInference.aggregate`).
    public var aggregation: Bool

    /// The largest stride used: farther candidates are too few in the search window and too unlike.
    public static let maxStride = 4

    /// The output's passes: as many draws as keep 8 megapixel-passes, at most 16 (up to half a
    /// megapixel), at least 2. A pass costs what the network costs per pixel, and 16 of them over
    /// 12 megapixels would take longer than the training. 16 draws against 8 gained 0.02 to 0.11 dB
    /// on every kind of noise of the tuning crops (256x256), for a few percent of the time.
    public static let passBudget = 8 << 20

    /// - reach: how far the noise is correlated, measured (NoiseCorrelation).
    /// - pixels: the image's size, which sets how many passes its output affords.
    /// - stride: an override of the measured one.
    /// - without: mechanisms taken away, for an ablation.
    public init(reach: Int, pixels: Int = 0, stride: Int? = nil, without: Set<PixelBankMechanism> = []) {
        if let stride {
            self.stride = stride
            strideMeasured = false
        } else if without.contains(.stride) {
            self.stride = 1
            strideMeasured = false
        } else {
            self.stride = min(reach, PixelBankSettings.maxStride)
            strideMeasured = true
        }
        tau = without.contains(.acceptance) ? .infinity : PixelBank.Acceptance.tau(stride: self.stride)
        percentile = PixelBank.Acceptance.percentile(stride: self.stride)
        // Flips and turns help only where the noise is white: correlated noise is not symmetric
        // under a turn (a camera's horizontal and vertical correlations differ).
        symmetries = self.stride == 1 && !without.contains(.symmetries)
        let afforded = max(2, min(PixelBankInference.draws, PixelBankSettings.passBudget / max(pixels, 1)))
        draws = without.contains(.draws) ? 1 : afforded
        // The eight symmetries; four (those that keep a tile's shape) or two (and the half turn)
        // where fewer passes are afforded.
        ensemble = !symmetries ? [] : afforded >= 8 ? Dihedral.all
            : afforded >= 4 ? Dihedral.shapePreserving : [Dihedral(0), Dihedral(2)]
        aggregation = !without.contains(.aggregation)
    }
}

/// The parts of the pixel-bank method that can each be taken away, for the ablation that shows what
/// each adds on its own (`zsn2n evaluate --method 'pixel-bank~acceptance'`; docs/method.md, "The
/// ablation"). Without any of them the method is still whole: pairs drawn pixel by pixel from banks
/// of similar pixels.
public enum PixelBankMechanism: String, Sendable, CaseIterable {
    /// The candidates spread as far as the noise is correlated (measured); without it, stride 1.
    case stride
    /// Matches kept only within tau of the reference distance at their brightness; without it,
    /// every one of a pixel's best matches is kept.
    case acceptance
    /// The output averaged over 16 bank draws (fewer above half a megapixel); without it, one draw.
    case draws
    /// With white noise, training samples flipped and turned, and half the output the average of
    /// the flips and turns of the noisy image; without it, neither.
    case symmetries
    /// Each pixel's output averaged with the outputs at its bank's members; without it, the
    /// network's output as it is.
    case aggregation
}
