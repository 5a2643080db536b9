/// Which denoiser a job trains.
public enum DenoiseMethod: String, Sendable, CaseIterable, Equatable {
    /// Zero-Shot Noise2Noise as the study ran it: a pair-downsampler's two half images.
    case zsn2n = "zs-n2n"
    /// Ours: Noise2Noise between two full-resolution images drawn from each pixel's bank of similar
    /// pixels, the bank's candidates spread as far as the noise is correlated (measured).
    case pixelBank = "pixel-bank"

    /// The default: ours, which gains on real noise where ZS-N2N gains almost nothing
    /// (docs/measurements.md, "Quality on real and synthetic noise").
    public static let standard = DenoiseMethod.pixelBank

    public var summary: String {
        switch self {
        case .zsn2n: return "Zero-Shot Noise2Noise: half images from a pair downsampler (see --sampler)"
        case .pixelBank: return "pixel banks: full-resolution pairs of similar pixels, as far apart as the noise is correlated"
        }
    }
}
