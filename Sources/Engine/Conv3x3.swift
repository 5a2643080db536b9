/// 3x3 convolution, stride 1, zero padding 1, as PyTorch's Conv2d computes it (cross-correlation),
/// with its two backward passes. Weights are OIHW (`[out][in][ky][kx]`), biases `[out]`.
///
/// Forward and backward-data share one register-blocked micro-kernel: six output channels by sixteen
/// pixels, twelve AVX vectors of accumulators, the weights packed so that the six a tap needs are
/// adjacent. Backward-data is the same correlation over the output gradient with the weights
/// transposed and rotated by 180 degrees. Backward-weights is a reduction over pixels, split into a
/// fixed number of parts whose partial sums are added in order, so results do not depend on timing.
///
/// Inputs must carry a zero border of one pixel (`Tensor.pad == 1`); that border is what stands for
/// the zero padding, and it is never written.
public final class Conv3x3: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    static let block = 6
    /// Parts of the pixel range in backward-weights; fixed, whatever the thread count.
    static let weightParts = 16

    private let forwardPack: UnsafeMutablePointer<Float>
    private let backwardPack: UnsafeMutablePointer<Float>?
    private let partials: UnsafeMutablePointer<Float>

    /// What happens to each output value before it is stored.
    public enum Epilogue {
        /// `v + bias[o]`.
        case bias(UnsafePointer<Float>)
        /// `leakyReLU(v + bias[o])`.
        case biasLeakyReLU(UnsafePointer<Float>, slope: Float)
        /// `v * leakyReLU'(a)`, the derivative read from the activation tensor `a` itself.
        case leakyReLUDerivative(of: Tensor, slope: Float)
    }

    public init(inChannels: Int, outChannels: Int) {
        precondition(outChannels % Conv3x3.block == 0, "output channels must be a multiple of 6")
        self.inChannels = inChannels
        self.outChannels = outChannels
        let weightCount = inChannels * outChannels * 9
        forwardPack = .allocate(capacity: weightCount)
        backwardPack = inChannels % Conv3x3.block == 0 ? .allocate(capacity: weightCount) : nil
        partials = .allocate(capacity: Conv3x3.weightParts * outChannels * (inChannels * 9 + 1))
    }

    deinit {
        forwardPack.deallocate()
        backwardPack?.deallocate()
        partials.deallocate()
    }

    /// output = epilogue(conv(input, weights)).
    public func forward(input: Tensor, weights: UnsafePointer<Float>, output: Tensor, epilogue: Epilogue) {
        precondition(input.channels == inChannels && output.channels == outChannels)
        precondition(input.height == output.height && input.width == output.width && input.pad >= 1)
        let b = Conv3x3.block
        for ob in 0..<(outChannels / b) {
            for i in 0..<inChannels {
                for k in 0..<9 {
                    for j in 0..<b {
                        forwardPack[((ob * inChannels + i) * 9 + k) * b + j] =
                            weights[((ob * b + j) * inChannels + i) * 9 + k]
                    }
                }
            }
        }
        Conv3x3.correlate(input: input, packed: forwardPack, taps: inChannels, output: output, epilogue: epilogue)
    }

    /// gradInput = epilogue(conv_transpose(gradOutput, weights)); gradOutput needs its zero border.
    public func backwardData(gradOutput: Tensor, weights: UnsafePointer<Float>, gradInput: Tensor,
                             epilogue: Epilogue) {
        guard let backwardPack else { preconditionFailure("backward-data needs input channels in multiples of 6") }
        precondition(gradOutput.channels == outChannels && gradInput.channels == inChannels)
        precondition(gradOutput.height == gradInput.height && gradOutput.width == gradInput.width)
        precondition(gradOutput.pad >= 1)
        let b = Conv3x3.block
        for ib in 0..<(inChannels / b) {
            for o in 0..<outChannels {
                for k in 0..<9 {
                    for j in 0..<b {
                        backwardPack[((ib * outChannels + o) * 9 + k) * b + j] =
                            weights[(o * inChannels + ib * b + j) * 9 + (8 - k)]
                    }
                }
            }
        }
        Conv3x3.correlate(input: gradOutput, packed: backwardPack, taps: outChannels, output: gradInput,
                          epilogue: epilogue)
    }

    /// gradWeights += dL/dW and gradBias += dL/db for this input and output gradient.
    public func backwardWeights(input: Tensor, gradOutput: Tensor,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(input.channels == inChannels && gradOutput.channels == outChannels)
        precondition(input.height == gradOutput.height && input.width == gradOutput.width)
        precondition(input.pad == 1 && gradOutput.pad == 1, "backward-weights reads both tensors as flat padded planes")
        let taps = inChannels * 9
        let rowLength = taps + 1
        let rs = input.rowStride
        let ps = input.planeStride
        // Each tap reads the input plane shifted by a fixed offset. With the output gradient zero on
        // its border, summing over whole padded rows equals summing over the interior.
        let offsets = (0..<taps).map { q in (q / 9) * ps + (q % 9 / 3 - 1) * rs + (q % 3 - 1) }
        let start = rs
        let count = rs * input.height
        let parts = Conv3x3.weightParts
        let partials = self.partials
        let outChannels = self.outChannels
        offsets.withUnsafeBufferPointer { offsets in
            Parallel.forEachPart(parts) { part in
                let row = partials + part * outChannels * rowLength
                row.update(repeating: 0, count: outChannels * rowLength)
                let range = Parallel.slice(count, part: part, of: parts)
                var sub = start + range.lowerBound
                let end = start + range.upperBound
                while sub < end {
                    let n = min(512, end - sub)
                    accumulateWeightBlock(input: input.base + sub, grad: gradOutput.base + sub,
                                                  planeStride: ps, count: n, offsets: offsets.baseAddress!,
                                                  taps: taps, outChannels: outChannels, into: row)
                    sub += n
                }
            }
        }
        for part in 0..<parts {
            let row = partials + part * outChannels * rowLength
            for o in 0..<outChannels {
                for q in 0..<taps { gradWeights[o * taps + q] += row[o * rowLength + q] }
                gradBias[o] += row[o * rowLength + taps]
            }
        }
    }

    /// output[o][y][x] = epilogue(sum over input planes p and taps k of
    /// packed[o / 6][p][k][o % 6] * input[p][y + ky - 1][x + kx - 1]).
    static func correlate(input: Tensor, packed: UnsafeMutablePointer<Float>, taps planes: Int,
                          output: Tensor, epilogue: Epilogue) {
        let height = output.height
        let blocks = output.channels / block
        Parallel.forEachRange(height * blocks) { items in
            for item in items {
                let y = item / blocks, ob = item % blocks
                correlateRow(input: input, weights: packed + ob * planes * 9 * block, planes: planes,
                             output: output, block: ob, y: y, epilogue: epilogue)
            }
        }
    }
}
