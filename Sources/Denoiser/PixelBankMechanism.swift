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
