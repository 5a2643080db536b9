
/// What one run measured: one line of runs.jsonl, one row of results.csv, one entry of results.json.
/// Every field but `seconds` is a function of the key and the folder's settings, bit for bit.
public struct RunRecord: Sendable, Equatable, Codable {
    public var key: RunKey
    public var noiseSeed: UInt64
    public var iterations: Int
    /// The noisy input against the clean image, clamped to [0, 1] as an image file would hold it.
    public var psnrNoisy: Double
    public var ssimNoisy: Double
    /// The denoised output clamp(y - f(y), 0, 1) against the clean image.
    public var psnr: Double
    public var ssim: Double
    /// No-reference sharpness of the output (Metrics.sobel, Metrics.brenner: means per pixel on luma).
    public var sobel: Double
    public var brenner: Double
    /// Immerkaer's estimate of the noise left in the output, on the 0-255 scale.
    public var noiseSigma: Double
    public var lossFirst: Double
    public var lossLast: Double
    /// Wall time of the run: noising, training (with the curve's extra forward passes), measuring.
    public var seconds: Double
    public var curve: [CurvePoint]
    /// Relative to the output folder.
    public var curveFile: String
    public var montageFile: String

    public init(key: RunKey, noiseSeed: UInt64, iterations: Int, psnrNoisy: Double, ssimNoisy: Double,
                psnr: Double, ssim: Double, sobel: Double, brenner: Double, noiseSigma: Double,
                lossFirst: Double, lossLast: Double, seconds: Double, curve: [CurvePoint],
                curveFile: String, montageFile: String) {
        self.key = key
        self.noiseSeed = noiseSeed
        self.iterations = iterations
        self.psnrNoisy = psnrNoisy
        self.ssimNoisy = ssimNoisy
        self.psnr = psnr
        self.ssim = ssim
        self.sobel = sobel
        self.brenner = brenner
        self.noiseSigma = noiseSigma
        self.lossFirst = lossFirst
        self.lossLast = lossLast
        self.seconds = seconds
        self.curve = curve
        self.curveFile = curveFile
        self.montageFile = montageFile
    }
}
