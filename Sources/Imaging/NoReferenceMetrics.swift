/// The no-reference metrics, each a mean per pixel on luma in [0, 1] so that different sizes compare.
public struct NoReferenceMetrics: Sendable, Equatable, Codable {
    /// Tenengrad: mean of Gx^2 + Gy^2 over interior pixels (3x3 Sobel). nan when width or height < 3.
    public var sobel: Double
    /// Brenner: mean of (I(x+2,y) - I(x,y))^2. nan when width < 3.
    public var brenner: Double
    /// Immerkaer 1996 noise sigma on the 0-255 scale. nan when width or height < 3.
    public var noiseSigma: Double

    public init(sobel: Double, brenner: Double, noiseSigma: Double) {
        self.sobel = sobel
        self.brenner = brenner
        self.noiseSigma = noiseSigma
    }
}
