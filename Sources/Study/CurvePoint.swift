/// PSNR of the denoised image after `iteration` training iterations (0: the untrained network).
public struct CurvePoint: Sendable, Equatable, Codable {
    public var iteration: Int
    public var psnr: Double
    public init(iteration: Int, psnr: Double) {
        self.iteration = iteration
        self.psnr = psnr
    }
}
