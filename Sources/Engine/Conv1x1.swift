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
        let width = output.width, cin = inChannels, cout = outChannels
        Parallel.forEachRange(output.height) { rows in
            for y in rows {
                var x = 0
                while x < width {
                    var acc = (Vec8(repeating: bias[0]), Vec8(repeating: cout > 1 ? bias[1] : 0),
                               Vec8(repeating: cout > 2 ? bias[2] : 0), Vec8(repeating: cout > 3 ? bias[3] : 0))
                    for i in 0..<cin {
                        let v = load8(input.pointer(i, y, x))
                        acc.0 = fma8(acc.0, v, Vec8(repeating: weights[i]))
                        if cout > 1 { acc.1 = fma8(acc.1, v, Vec8(repeating: weights[cin + i])) }
                        if cout > 2 { acc.2 = fma8(acc.2, v, Vec8(repeating: weights[2 * cin + i])) }
                        if cout > 3 { acc.3 = fma8(acc.3, v, Vec8(repeating: weights[3 * cin + i])) }
                    }
                    let n = width - x
                    storeRow(acc.0, output.pointer(0, y, x), n)
                    if cout > 1 { storeRow(acc.1, output.pointer(1, y, x), n) }
                    if cout > 2 { storeRow(acc.2, output.pointer(2, y, x), n) }
                    if cout > 3 { storeRow(acc.3, output.pointer(3, y, x), n) }
                    x += 8
                }
            }
        }
    }

    /// gradInput[i] = (sum_c weights[c][i] * gradOutput[c]) * leakyReLU'(activation[i]): the
    /// gradient reaching the pre-activation of the layer below, whose output `activation` is.
    public func backwardData(gradOutput: Tensor, weights: UnsafePointer<Float>, gradInput: Tensor,
                             activation: Tensor, slope: Float) {
        precondition(gradOutput.channels == outChannels && gradInput.channels == inChannels)
        precondition(activation.hasSameShape(as: gradInput) && gradInput.height == gradOutput.height)
        let width = gradOutput.width, cin = inChannels, cout = outChannels
        Parallel.forEachRange(gradOutput.height) { rows in
            for y in rows {
                var x = 0
                while x < width {
                    let g0 = load8(gradOutput.pointer(0, y, x))
                    let g1 = cout > 1 ? load8(gradOutput.pointer(1, y, x)) : Vec8()
                    let g2 = cout > 2 ? load8(gradOutput.pointer(2, y, x)) : Vec8()
                    let g3 = cout > 3 ? load8(gradOutput.pointer(3, y, x)) : Vec8()
                    let n = width - x
                    for i in 0..<cin {
                        var v = g0 * weights[i]
                        if cout > 1 { v = fma8(v, g1, Vec8(repeating: weights[cin + i])) }
                        if cout > 2 { v = fma8(v, g2, Vec8(repeating: weights[2 * cin + i])) }
                        if cout > 3 { v = fma8(v, g3, Vec8(repeating: weights[3 * cin + i])) }
                        v *= leakyFactor(load8(activation.pointer(i, y, x)), slope: slope)
                        storeRow(v, gradInput.pointer(i, y, x), n)
                    }
                    x += 8
                }
            }
        }
    }

    /// gradWeights += dL/dW, gradBias += dL/db.
    public func backwardWeights(input: Tensor, gradOutput: Tensor,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(input.channels == inChannels && gradOutput.channels == outChannels)
        precondition(input.height == gradOutput.height && input.width == gradOutput.width)
        let width = input.width, height = input.height, cin = inChannels, cout = outChannels
        let rowLength = cin + 1
        let parts = Conv1x1.parts, partials = self.partials
        let full = width & ~7
        Parallel.forEachPart(parts) { part in
            let sums = partials + part * cout * rowLength
            sums.update(repeating: 0, count: cout * rowLength)
            for y in Parallel.slice(height, part: part, of: parts) {
                for c in 0..<cout {
                    let g = gradOutput.pointer(c, y, 0)
                    for i in 0..<cin {
                        let h = input.pointer(i, y, 0)
                        var acc = Vec8()
                        var x = 0
                        while x < full { acc = fma8(acc, load8(g + x), load8(h + x)); x += 8 }
                        var s = acc.sum()
                        while x < width { s += g[x] * h[x]; x += 1 }
                        sums[c * rowLength + i] += s
                    }
                    var acc = Vec8()
                    var x = 0
                    while x < full { acc += load8(g + x); x += 8 }
                    var s = acc.sum()
                    while x < width { s += g[x]; x += 1 }
                    sums[c * rowLength + cin] += s
                }
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

/// Stores a vector of a row's pixels, only the `n` that are inside the row when fewer than eight.
@inline(__always)
func storeRow(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { store8(v, p) } else { storePartial8(v, p, n) }
}
