/// 1x1 convolution (a per-pixel matrix product) from many channels to a few, with its backward
/// passes. Weights are `[out][in]`, biases `[out]`. In zsn2n it maps 48 features back to the 1 or 3
/// image channels, so the few outputs are kept in registers while the many inputs stream past.
public final class Conv1x1: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    static let maxOutChannels = 4
    static let parts = 16
    private let partials: UnsafeMutablePointer<Float>

    public init(inChannels: Int, outChannels: Int) {
        precondition(outChannels >= 1 && outChannels <= Conv1x1.maxOutChannels)
        self.inChannels = inChannels
        self.outChannels = outChannels
        partials = .allocate(capacity: Conv1x1.parts * outChannels * (inChannels + 1))
    }

    deinit { partials.deallocate() }

    /// output[c] = bias[c] + sum_i weights[c][i] * input[i].
    public func forward(input: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: Tensor) {
        precondition(input.channels == inChannels && output.channels == outChannels)
        precondition(input.height == output.height && input.width == output.width)
        Parallel.forEachRange(output.height) { rows in
            for y in rows {
                pointwiseForwardRow(input: input, weights: weights, bias: bias, output: output, y: y)
            }
        }
    }

    /// gradInput[i] = (sum_c weights[c][i] * gradOutput[c]) * leakyReLU'(activation[i]): the
    /// gradient reaching the pre-activation of the layer below, whose output `activation` is.
    public func backwardData(gradOutput: Tensor, weights: UnsafePointer<Float>, gradInput: Tensor,
                             activation: Tensor, slope: Float) {
        precondition(gradOutput.channels == outChannels && gradInput.channels == inChannels)
        precondition(activation.hasSameShape(as: gradInput) && gradInput.height == gradOutput.height)
        Parallel.forEachRange(gradOutput.height) { rows in
            for y in rows {
                pointwiseBackwardRow(gradOutput: gradOutput, weights: weights, gradInput: gradInput,
                                     activation: activation, slope: slope, y: y)
            }
        }
    }

    /// gradWeights += dL/dW, gradBias += dL/db.
    public func backwardWeights(input: Tensor, gradOutput: Tensor,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(input.channels == inChannels && gradOutput.channels == outChannels)
        precondition(input.height == gradOutput.height && input.width == gradOutput.width)
        let height = input.height, cin = inChannels, cout = outChannels
        let rowLength = cin + 1
        let parts = Conv1x1.parts, partials = self.partials
        Parallel.forEachPart(parts) { part in
            let sums = partials + part * cout * rowLength
            sums.update(repeating: 0, count: cout * rowLength)
            for y in Parallel.slice(height, part: part, of: parts) {
                pointwiseWeightRow(input: input, gradOutput: gradOutput, y: y, into: sums)
            }
        }
        for part in 0..<parts {
            let sums = partials + part * cout * rowLength
            for c in 0..<cout {
                for i in 0..<cin { gradWeights[c * cin + i] += sums[c * rowLength + i] }
                gradBias[c] += sums[c * rowLength + cin]
            }
        }
    }
}
