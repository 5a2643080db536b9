/// How far other orderings of the row's samplers agree with the order by PSNR: Spearman's rho over
/// the samplers that have a cell, each ranked by its cell mean. +1: the same order, -1: reversed,
/// nil: undefined (fewer than two samplers, or all tied).
public struct RankAgreement: Sendable, Equatable, Codable {
    /// The study's section 3.8 proposal: does the sharper output (higher Sobel/Tenengrad, higher
    /// Brenner) come from the better sampler by PSNR?
    public var sobelVsPsnr: Double?
    public var brennerVsPsnr: Double?
    /// Our PSNR order against the study's published one, over the samplers it published for this
    /// noise setting (gauss:25/50/100 only).
    public var psnrVsStudy: Double?

    public func encode(to encoder: Encoder) throws {
        // Explicit nulls: an undefined correlation should read as such, not as a missing key.
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sobelVsPsnr, forKey: .sobelVsPsnr)
        try c.encode(brennerVsPsnr, forKey: .brennerVsPsnr)
        try c.encode(psnrVsStudy, forKey: .psnrVsStudy)
    }
}
