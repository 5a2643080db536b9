/// The SIMD inner loops of the convolutions, all in this one file.
///
/// They live together because debug builds compile file by file and inline only within a file:
/// a vector load or an FMA helper called across files costs a function call per instruction there,
/// twenty times slower. The callers in Conv3x3.swift and Conv1x1.swift call in once per row or block.

/// Vector loads and stores at any float address: the convolutions read windows shifted by one pixel,
/// which no alignment can serve.
public typealias Vec8 = SIMD8<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Vec8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
}

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>) -> Vec8 {
    UnsafeRawPointer(p).loadUnaligned(as: Vec8.self)
}

@inline(__always)
func store8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec8.self)
}

/// Stores the first `n` lanes of `v` (n < 8 at a row's ragged end).
@inline(__always)
func storePartial8(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    for lane in 0..<min(n, 8) { p[lane] = v[lane] }
}

@inline(__always)
func fma8(_ acc: Vec8, _ a: Vec8, _ b: Vec8) -> Vec8 {
    acc.addingProduct(a, b)
}

/// The LeakyReLU derivative taken from the activation itself: its sign is the sign of its input.
@inline(__always)
func leakyFactor(_ activation: Vec8, slope: Float) -> Vec8 {
    Vec8(repeating: slope).replacing(with: 1, where: activation .> 0)
}

// MARK: 3x3 convolution

/// One output row of six channels: output[ob*6 + j][y][x] for every x, from `planes` input planes.
func correlateRow(input: Tensor, weights: UnsafeMutablePointer<Float>, planes: Int, output: Tensor,
                  block ob: Int, y: Int, epilogue: Conv3x3.Epilogue) {
    let rs = input.rowStride, ps = input.planeStride
    let width = output.width
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

/// Sums grad[o][t] * input[q][t + offset[q]] over `count` consecutive t into row[o][q], four
/// output channels by three taps at a time, and grad[o][t] into the bias slot row[o][taps].
func accumulateWeightBlock(input: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>,
                                  planeStride: Int, count n: Int, offsets: UnsafePointer<Int>,
                                  taps: Int, outChannels: Int, into row: UnsafeMutablePointer<Float>) {
    let vectorCount = n & ~7
    let rowLength = taps + 1
    for ob in stride(from: 0, to: outChannels, by: 4) {
        // A last block of fewer than four channels repeats channel ob in the missing slots and
        // writes back only the real ones.
        let valid = min(4, outChannels - ob)
        let g0 = grad + ob * planeStride
        let g1 = valid > 1 ? g0 + planeStride : g0
        let g2 = valid > 2 ? g0 + 2 * planeStride : g0
        let g3 = valid > 3 ? g0 + 3 * planeStride : g0
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
            if valid > 1 { let r1 = r0 + rowLength; r1[0] += s.3; r1[1] += s.4; r1[2] += s.5 }
            if valid > 2 { let r2 = r0 + 2 * rowLength; r2[0] += s.6; r2[1] += s.7; r2[2] += s.8 }
            if valid > 3 { let r3 = r0 + 3 * rowLength; r3[0] += s.9; r3[1] += s.10; r3[2] += s.11 }
        }
        for j in 0..<valid {
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

// MARK: 1x1 convolution (at most four output channels, kept in registers)

/// output[c][y][x] = bias[c] + sum_i weights[c][i] * input[i][y][x] for one row.
func pointwiseForwardRow(input: Tensor, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         output: Tensor, y: Int) {
    let width = output.width, cin = input.channels, cout = output.channels
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

/// gradInput[i][y][x] = (sum_c weights[c][i] * gradOutput[c][y][x]) * leakyReLU'(activation[i][y][x])
/// for one row.
func pointwiseBackwardRow(gradOutput: Tensor, weights: UnsafePointer<Float>, gradInput: Tensor,
                          activation: Tensor, slope: Float, y: Int) {
    let width = gradOutput.width, cin = gradInput.channels, cout = gradOutput.channels
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

/// sums[c][i] += sum_x gradOutput[c][y][x] * input[i][y][x] and sums[c][cin] += sum_x gradOutput[c][y][x]
/// for one row (`sums` rows are cin + 1 long).
func pointwiseWeightRow(input: Tensor, gradOutput: Tensor, y: Int, into sums: UnsafeMutablePointer<Float>) {
    let width = input.width, cin = input.channels, rowLength = cin + 1
    let full = width & ~7
    for c in 0..<gradOutput.channels {
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

/// Stores a vector of a row's pixels, only the `n` that are inside the row when fewer than eight.
@inline(__always)
func storeRow(_ v: Vec8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n >= 8 { store8(v, p) } else { storePartial8(v, p, n) }
}
