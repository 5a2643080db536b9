/// The last layer: a 1x1 convolution from a feature map back to image planes (1 or 3 channels),
/// with its backward passes. Weights are `[out][in]`, biases `[out]`.
public final class FeatureProjection: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    static let parts = 8
    private let partials: UnsafeMutablePointer<Float>

    public init(inChannels: Int, outChannels: Int) {
        precondition(inChannels % 8 == 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        partials = .allocate(capacity: FeatureProjection.parts * outChannels * (inChannels + 1))
    }

    deinit { partials.deallocate() }

    /// output[c] = bias[c] + sum_i weights[c][i] * features[i].
    public func forward(features: FeatureMap, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: Tensor) {
        precondition(features.channels == inChannels && output.channels == outChannels)
        precondition(features.height == output.height && features.width == output.width)
        Parallel.forEachRange(output.height) { rows in
            for y in rows { featureProjectRow(features, weights, bias, output, y: y) }
        }
    }

    /// gradFeatures = (weights^T gradOutput) * leakyReLU'(activation): the gradient at the
    /// pre-activation of the layer below, whose output `activation` is.
    public func backwardData(gradOutput: Tensor, weights: UnsafePointer<Float>, gradFeatures: FeatureMap,
                             activation: FeatureMap, slope: Float) {
        precondition(gradOutput.channels == outChannels && gradFeatures.channels == inChannels)
        precondition(activation.hasSameShape(as: gradFeatures) && gradFeatures.height == gradOutput.height)
        Parallel.forEachRange(gradOutput.height) { rows in
            for y in rows {
                featureProjectBackwardRow(gradOutput, weights, gradFeatures, activation: activation, slope: slope, y: y)
            }
        }
    }

    /// gradWeights += dL/dW, gradBias += dL/db.
    public func backwardWeights(features: FeatureMap, gradOutput: Tensor,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(features.channels == inChannels && gradOutput.channels == outChannels)
        precondition(features.height == gradOutput.height && features.width == gradOutput.width)
        let rowLength = inChannels + 1, partLength = outChannels * rowLength
        let parts = FeatureProjection.parts, partials = self.partials, height = features.height
        Parallel.forEachPart(parts) { part in
            let sums = partials + part * partLength
            sums.update(repeating: 0, count: partLength)
            for y in Parallel.slice(height, part: part, of: parts) {
                featureProjectWeightRow(features, gradOutput, y: y, into: sums)
            }
        }
        for part in 0..<parts {
            let sums = partials + part * partLength
            for c in 0..<outChannels {
                for i in 0..<inChannels { gradWeights[c * inChannels + i] += sums[c * rowLength + i] }
                gradBias[c] += sums[c * rowLength + inChannels]
            }
        }
    }
}
