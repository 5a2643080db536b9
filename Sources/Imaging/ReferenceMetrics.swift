/// Full-reference metrics of an image against its clean version.
public struct ReferenceMetrics: Sendable, Equatable, Codable {
    /// dB; +infinity when the images are identical.
    public var psnr: Double
    /// Mean SSIM on luma; nan when either side is smaller than 11 pixels.
    public var ssim: Double

    public init(psnr: Double, ssim: Double) {
        self.psnr = psnr
        self.ssim = ssim
    }
}
