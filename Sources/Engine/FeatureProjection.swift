/// The last layer: a 1x1 convolution from a feature map back to image planes (1 or 3 channels),
/// with its backward passes. Weights are `[out][in]`, biases `[out]`.
public final class FeatureProjection: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let parallel: Parallel
    static let parts = 8
    private let kernels = CPUPath.current.kernels
    private let buffers: FloatBuffers
    private let partials: UnsafeMutablePointer<Float>

    public init(inChannels: Int, outChannels: Int, parallel: Parallel = .allCores) {
        precondition(inChannels % 48 == 0, "input channels must fill blocks of three AVX-512 vectors")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.parallel = parallel
        buffers = FloatBuffers(FeatureProjection.memory(inChannels: inChannels, outChannels: outChannels))
        partials = buffers["weight-gradient parts"]
    }

    /// What this layer allocates: the parts of the weight gradient.
    public static func memory(inChannels: Int, outChannels: Int) -> MemoryPlan {
        MemoryPlan(floats: ["weight-gradient parts": parts * outChannels * (inChannels + 1)])
    }

    /// What `forward`, `backwardData` and `backwardWeights` each do on a map of this size (the
    /// forward's horizontal sums and the bias sums aside).
    public func passWork(height: Int, width: Int) -> EngineWork {
        EngineWork(otherMultiplyAdds: height * width * inChannels * outChannels)
    }

    /// output[c] = bias[c] + sum_i weights[c][i] * features[i].
    public func forward(features: FeatureMap, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: Tensor) {
        precondition(features.channels == inChannels && output.channels == outChannels)
        precondition(features.height == output.height && features.width == output.width)
        parallel.forEachRange(output.height) { rows in
            for y in rows { kernels.featureProjectRow(features, weights, bias, output, y: y) }
        }
    }

    /// gradFeatures = (weights^T gradOutput) * leakyReLU'(activation): the gradient at the
    /// pre-activation of the layer below, whose output `activation` is.
    public func backwardData(gradOutput: Tensor, weights: UnsafePointer<Float>, gradFeatures: FeatureMap,
                             activation: FeatureMap, slope: Float) {
        precondition(gradOutput.channels == outChannels && gradFeatures.channels == inChannels)
        precondition(activation.hasSameShape(as: gradFeatures) && gradFeatures.height == gradOutput.height)
        parallel.forEachRange(gradOutput.height) { rows in
            for y in rows {
                kernels.featureProjectBackwardRow(gradOutput, weights, gradFeatures, activation: activation, slope: slope, y: y)
            }
        }
    }

    /// gradWeights += dL/dW, gradBias += dL/db.
    public func backwardWeights(features: FeatureMap, gradOutput: Tensor,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        backward(features: features, gradOutput: gradOutput, data: nil, gradWeights: gradWeights, gradBias: gradBias)
    }

    /// Both backward passes in one sweep over the rows, each row of `features` read once for both
    /// (`features` is the activation whose derivative `backwardData` takes). The results are those
    /// of `backwardWeights` and `backwardData`, bit for bit. `gradFeatures` may be `features`
    /// itself: each row is read for the weights before it is overwritten.
    public func backward(features: FeatureMap, gradOutput: Tensor, weights: UnsafePointer<Float>, gradFeatures: FeatureMap,
                         slope: Float, gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(gradFeatures.hasSameShape(as: features))
        backward(features: features, gradOutput: gradOutput, data: (weights, gradFeatures, slope),
                 gradWeights: gradWeights, gradBias: gradBias)
    }

    private func backward(features: FeatureMap, gradOutput: Tensor,
                          data: (weights: UnsafePointer<Float>, gradFeatures: FeatureMap, slope: Float)?,
                          gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(features.channels == inChannels && gradOutput.channels == outChannels)
        precondition(features.height == gradOutput.height && features.width == gradOutput.width)
        let rowLength = inChannels + 1, partLength = outChannels * rowLength
        let parts = FeatureProjection.parts, partials = self.partials, height = features.height, kernels = self.kernels
        parallel.sumInParts(parts, length: partLength, buffer: partials) { _, part, sums in
            for y in Parallel.slice(height, part: part, of: parts) {
                kernels.featureProjectWeightRow(features, gradOutput, y: y, into: sums)
                if let (weights, gradFeatures, slope) = data {
                    kernels.featureProjectBackwardRow(gradOutput, weights, gradFeatures, activation: features, slope: slope, y: y)
                }
            }
        }
        for c in 0..<outChannels {
            for i in 0..<inChannels { gradWeights[c * inChannels + i] += partials[c * rowLength + i] }
            gradBias[c] += partials[c * rowLength + inChannels]
        }
    }
}
