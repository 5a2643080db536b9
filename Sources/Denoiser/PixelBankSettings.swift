/// What the pixel-bank method does on one image, chosen from the noise measured on it: the one
/// place where the measurement, an override for experiments, and an ablation become numbers.
public struct PixelBankSettings: Sendable, Equatable {
    /// The candidates' lattice step.
    public var stride: Int
    /// True when the stride is the noise's measured reach (false: set by hand, or ablated).
    public var strideMeasured: Bool
    /// Matches kept within tau times the reference at their brightness; infinity keeps all.
    public var tau: Float
    /// Training samples flipped and turned, and the output half the flip-turn ensemble of F(y).
    public var symmetries: Bool
    /// Bank draws averaged at inference.
    public var draws: Int

    /// The largest stride used: farther candidates are too few in the search window and too unlike.
    public static let maxStride = 4

    /// - reach: how far the noise is correlated, measured (NoiseCorrelation).
    /// - stride: an override of the measured one.
    /// - without: mechanisms taken away, for an ablation.
    public init(reach: Int, stride: Int? = nil, without: Set<PixelBankMechanism> = []) {
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
        // Flips and turns help only where the noise is white: correlated noise is not symmetric
        // under a turn (a camera's horizontal and vertical correlations differ).
        symmetries = self.stride == 1 && !without.contains(.symmetries)
        draws = without.contains(.draws) ? 1 : PixelBankInference.draws
    }
}
