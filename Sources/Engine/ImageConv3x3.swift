/// The first layer: 3x3 convolution (stride 1, zero padding 1) from image planes (a `Tensor` with a
/// one-pixel border, 1 or 3 channels) to a feature map, with bias and LeakyReLU fused; and its
/// weight gradient. No input gradient: the input is the image itself. Weights are OIHW.
public final class ImageConv3x3: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels = 48
    public let parallel: Parallel
    static let parts = 8
    private let kernels = CPUPath.current.kernels
    private let buffers: FloatBuffers
    private let packed: UnsafeMutablePointer<Float>
    private let partials: UnsafeMutablePointer<Float>

    public init(inChannels: Int, parallel: Parallel = .allCores) {
        self.inChannels = inChannels
        self.parallel = parallel
        buffers = FloatBuffers(ImageConv3x3.memory(inChannels: inChannels))
        packed = buffers["packed weights"]
        partials = buffers["weight-gradient parts"]
    }

    /// What this layer allocates: the weights packed for the forward pass, and the parts of the
    /// weight gradient.
    public static func memory(inChannels: Int) -> MemoryPlan {
        MemoryPlan(floats: ["packed weights": inChannels * 9 * 48, "weight-gradient parts": parts * (inChannels * 9 + 1) * 48])
    }

    /// What `forward` does on an image of this size: every row in register blocks of four pixels.
    public func forwardWork(height: Int, width: Int) -> EngineWork {
        EngineWork(otherMultiplyAdds: height * ((width + 3) / 4 * 4) * inChannels * 9 * outChannels)
    }

    /// What `backwardWeights` does: the taps in register blocks of four, and the bias sums.
    public func backwardWeightsWork(height: Int, width: Int) -> EngineWork {
        EngineWork(otherMultiplyAdds: height * width * ((inChannels * 9 + 3) / 4 * 4) * outChannels,
                   otherFlops: height * width * outChannels)
    }

    /// output = leakyReLU(conv(image, weights) + bias).
    public func forward(image: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, slope: Float,
                        output: FeatureMap) {
        precondition(image.channels == inChannels && image.pad >= 1 && output.channels == outChannels)
        precondition(image.height == output.height && image.width == output.width)
        let taps = inChannels * 9
        for o in 0..<48 {
            for q in 0..<taps { packed[q * 48 + o] = weights[o * taps + q] }
        }
        let packed = self.packed, kernels = self.kernels
        parallel.forEachRange(output.height) { rows in
            for y in rows { kernels.imageConvRow(image, packed, bias, slope: slope, output, y: y) }
        }
    }

    /// gradWeights += dL/dW, gradBias += dL/db, for the gradient at this layer's pre-activation.
    public func backwardWeights(image: Tensor, gradOutput: FeatureMap,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(image.channels == inChannels && gradOutput.channels == outChannels)
        precondition(image.height == gradOutput.height && image.width == gradOutput.width)
        let taps = inChannels * 9, partLength = (taps + 1) * 48
        let parts = ImageConv3x3.parts, partials = self.partials, height = image.height, kernels = self.kernels
        parallel.sumInParts(parts, length: partLength, buffer: partials) { _, part, sums in
            for y in Parallel.slice(height, part: part, of: parts) {
                kernels.imageConvWeightRow(image, gradOutput, y: y, into: sums)
            }
        }
        for o in 0..<48 {
            for q in 0..<taps { gradWeights[o * taps + q] += partials[q * 48 + o] }
            gradBias[o] += partials[taps * 48 + o]
        }
    }
}
