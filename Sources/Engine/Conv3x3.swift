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
                    Conv3x3.accumulateWeightBlock(input: input.base + sub, grad: gradOutput.base + sub,
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

    /// Sums grad[o][t] * input[q][t + offset[q]] over `count` consecutive t into row[o][q], four
    /// output channels by three taps at a time, and grad[o][t] into the bias slot row[o][taps].
    @inline(__always)
    static func accumulateWeightBlock(input: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>,
                                      planeStride: Int, count n: Int, offsets: UnsafePointer<Int>,
                                      taps: Int, outChannels: Int, into row: UnsafeMutablePointer<Float>) {
        let vectorCount = n & ~7
        let rowLength = taps + 1
        for ob in stride(from: 0, to: outChannels, by: 4) {
            let g0 = grad + ob * planeStride
            let g1 = g0 + planeStride, g2 = g1 + planeStride, g3 = g2 + planeStride
            for qb in stride(from: 0, to: taps, by: 3) {
                let x0 = input + offsets[qb], x1 = input + offsets[qb + 1], x2 = input + offsets[qb + 2]
                var a00 = Vec8(), a01 = Vec8(), a02 = Vec8()
                var a10 = Vec8(), a11 = Vec8(), a12 = Vec8()
                var a20 = Vec8(), a21 = Vec8(), a22 = Vec8()
                var a30 = Vec8(), a31 = Vec8(), a32 = Vec8()
                var t = 0
                while t < vectorCount {
                    let v0 = load8(x0 + t), v1 = load8(x1 + t), v2 = load8(x2 + t)
                    var g = load8(g0 + t)
                    a00 = fma8(a00, g, v0); a01 = fma8(a01, g, v1); a02 = fma8(a02, g, v2)
                    g = load8(g1 + t)
                    a10 = fma8(a10, g, v0); a11 = fma8(a11, g, v1); a12 = fma8(a12, g, v2)
                    g = load8(g2 + t)
                    a20 = fma8(a20, g, v0); a21 = fma8(a21, g, v1); a22 = fma8(a22, g, v2)
                    g = load8(g3 + t)
                    a30 = fma8(a30, g, v0); a31 = fma8(a31, g, v1); a32 = fma8(a32, g, v2)
                    t += 8
                }
                var s: (Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float, Float) =
                    (a00.sum(), a01.sum(), a02.sum(), a10.sum(), a11.sum(), a12.sum(),
                     a20.sum(), a21.sum(), a22.sum(), a30.sum(), a31.sum(), a32.sum())
                while t < n {
                    let v0 = x0[t], v1 = x1[t], v2 = x2[t]
                    s.0 += g0[t] * v0; s.1 += g0[t] * v1; s.2 += g0[t] * v2
                    s.3 += g1[t] * v0; s.4 += g1[t] * v1; s.5 += g1[t] * v2
                    s.6 += g2[t] * v0; s.7 += g2[t] * v1; s.8 += g2[t] * v2
                    s.9 += g3[t] * v0; s.10 += g3[t] * v1; s.11 += g3[t] * v2
                    t += 1
                }
                let r0 = row + ob * rowLength + qb
                r0[0] += s.0; r0[1] += s.1; r0[2] += s.2
                let r1 = r0 + rowLength
                r1[0] += s.3; r1[1] += s.4; r1[2] += s.5
                let r2 = r1 + rowLength
                r2[0] += s.6; r2[1] += s.7; r2[2] += s.8
                let r3 = r2 + rowLength
                r3[0] += s.9; r3[1] += s.10; r3[2] += s.11
            }
            for j in 0..<4 {
                let g = grad + (ob + j) * planeStride
                var acc = Vec8()
                var t = 0
                while t < vectorCount { acc += load8(g + t); t += 8 }
                var s = acc.sum()
                while t < n { s += g[t]; t += 1 }
                row[(ob + j) * rowLength + taps] += s
            }
        }
    }

    /// output[o][y][x] = epilogue(sum over input planes p and taps k of
    /// packed[o / 6][p][k][o % 6] * input[p][y + ky - 1][x + kx - 1]).
    static func correlate(input: Tensor, packed: UnsafeMutablePointer<Float>, taps planes: Int,
                          output: Tensor, epilogue: Epilogue) {
        let height = output.height, width = output.width
        let blocks = output.channels / block
        let rs = input.rowStride, ps = input.planeStride
        Parallel.forEachRange(height * blocks) { items in
            for item in items {
                let y = item / blocks, ob = item % blocks
                let weights = packed + ob * planes * 9 * block
                var x = 0
                while x < width {
                    var acc = Accumulator6x16()
                    var src = input.pointer(0, y - 1, x - 1)
                    var w = weights
                    for _ in 0..<planes {
                        var r = src
                        for _ in 0..<3 {
                            acc.add(r, w); acc.add(r + 1, w + 6); acc.add(r + 2, w + 12)
                            w += 18
                            r += rs
                        }
                        src += ps
                    }
                    acc.store(to: output, block: ob, y: y, x: x, epilogue: epilogue)
                    x += 16
                }
            }
        }
    }
}

/// Six output channels by sixteen pixels of running sums: twelve vector registers.
struct Accumulator6x16 {
    var a0 = Vec8(), b0 = Vec8(), a1 = Vec8(), b1 = Vec8(), a2 = Vec8(), b2 = Vec8()
    var a3 = Vec8(), b3 = Vec8(), a4 = Vec8(), b4 = Vec8(), a5 = Vec8(), b5 = Vec8()

    /// Adds the sixteen pixels at `src` times the six weights at `w`.
    @inline(__always)
    mutating func add(_ src: UnsafeMutablePointer<Float>, _ w: UnsafeMutablePointer<Float>) {
        let lo = load8(src), hi = load8(src + 8)
        var k = Vec8(repeating: w[0]); a0 = fma8(a0, lo, k); b0 = fma8(b0, hi, k)
        k = Vec8(repeating: w[1]); a1 = fma8(a1, lo, k); b1 = fma8(b1, hi, k)
        k = Vec8(repeating: w[2]); a2 = fma8(a2, lo, k); b2 = fma8(b2, hi, k)
        k = Vec8(repeating: w[3]); a3 = fma8(a3, lo, k); b3 = fma8(b3, hi, k)
        k = Vec8(repeating: w[4]); a4 = fma8(a4, lo, k); b4 = fma8(b4, hi, k)
        k = Vec8(repeating: w[5]); a5 = fma8(a5, lo, k); b5 = fma8(b5, hi, k)
    }

    @inline(__always)
    func store(to output: Tensor, block ob: Int, y: Int, x: Int, epilogue: Conv3x3.Epilogue) {
        let o = ob * Conv3x3.block
        finish(a0, b0, output, o, y, x, epilogue)
        finish(a1, b1, output, o + 1, y, x, epilogue)
        finish(a2, b2, output, o + 2, y, x, epilogue)
        finish(a3, b3, output, o + 3, y, x, epilogue)
        finish(a4, b4, output, o + 4, y, x, epilogue)
        finish(a5, b5, output, o + 5, y, x, epilogue)
    }

    @inline(__always)
    private func finish(_ lo: Vec8, _ hi: Vec8, _ output: Tensor, _ o: Int, _ y: Int, _ x: Int,
                        _ epilogue: Conv3x3.Epilogue) {
        var lo = lo, hi = hi
        switch epilogue {
        case .bias(let bias):
            let b = Vec8(repeating: bias[o])
            lo += b; hi += b
        case .biasLeakyReLU(let bias, let slope):
            let b = Vec8(repeating: bias[o])
            lo += b; hi += b
            // For 0 < slope < 1, leakyReLU(v) = max(v, slope * v).
            lo = pointwiseMax(lo, lo * slope); hi = pointwiseMax(hi, hi * slope)
        case .leakyReLUDerivative(let activation, let slope):
            let a = activation.pointer(o, y, x)
            lo *= leakyFactor(load8(a), slope: slope)
            hi *= leakyFactor(load8(a + 8), slope: slope)
        }
        let dst = output.pointer(o, y, x)
        let n = output.width - x
        if n >= 16 {
            store8(lo, dst); store8(hi, dst + 8)
        } else if n > 8 {
            store8(lo, dst); storePartial8(hi, dst + 8, n - 8)
        } else {
            storePartial8(lo, dst, n)
        }
    }
}
