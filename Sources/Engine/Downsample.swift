/// The operations samplers are made of: each maps an image to a smaller one, per channel, and has an
/// adjoint that spreads a gradient on the small image back onto the large one (accumulating, `+=`).
/// Output sizes follow PyTorch: floor((n - k) / s) + 1 for a k x k window with stride s.
public enum Downsample {
    /// out[c][i][j] = (sum over the window of kernel[ky][kx] * in[c][i*s + ky][j*s + kx]) / divisor.
    public static func strided(_ input: Tensor, kernel: [Float], size k: Int, stride s: Int,
                               divisor: Float, into output: Tensor) {
        forEachWindow(input, output, kernel: kernel, size: k, stride: s) { w, k, rowStride, window, out in
            var sum: Float = 0
            for ky in 0..<k {
                let src = window + ky * rowStride
                for kx in 0..<k { sum += w[ky * k + kx] * src[kx] }
            }
            out.pointee = sum / divisor
        }
    }

    public static func stridedAdjoint(_ grad: Tensor, kernel: [Float], size k: Int, stride s: Int,
                                      divisor: Float, into input: Tensor) {
        forEachWindow(input, grad, kernel: kernel, size: k, stride: s) { w, k, rowStride, window, g in
            let v = g.pointee / divisor
            for ky in 0..<k {
                let dst = window + ky * rowStride
                for kx in 0..<k { dst[kx] += w[ky * k + kx] * v }
            }
        }
    }

    /// 2x2 max pool, stride 2. `argmax` receives, per output value, the flat offset (y * width + x)
    /// of the winning input pixel in its plane; the first maximum in row-major order wins, as in PyTorch.
    public static func maxPool(_ input: Tensor, into output: Tensor, argmax: UnsafeMutablePointer<Int32>) {
        checkWindow(input, output, size: 2, stride: 2)
        var slot = 0
        for c in 0..<input.channels {
            for i in 0..<output.height {
                let dst = output.pointer(c, i, 0)
                for j in 0..<output.width {
                    var best = input[c, 2 * i, 2 * j]
                    var where_ = (2 * i) * input.width + 2 * j
                    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                        let v = input[c, 2 * i + dy, 2 * j + dx]
                        if v > best || v.isNaN {
                            best = v
                            where_ = (2 * i + dy) * input.width + 2 * j + dx
                        }
                    }
                    dst[j] = best
                    argmax[slot] = Int32(where_)
                    slot += 1
                }
            }
        }
    }

    public static func maxPoolAdjoint(_ grad: Tensor, argmax: UnsafePointer<Int32>, into input: Tensor) {
        checkWindow(input, grad, size: 2, stride: 2)
        var slot = 0
        for c in 0..<input.channels {
            let plane = input.plane(c)
            for i in 0..<grad.height {
                let g = grad.pointer(c, i, 0)
                for j in 0..<grad.width {
                    let offset = Int(argmax[slot])
                    plane[offset / input.width * input.rowStride + offset % input.width] += g[j]
                    slot += 1
                }
            }
        }
    }

    /// 2x2 average pool, stride 2.
    public static func averagePool(_ input: Tensor, into output: Tensor) {
        checkWindow(input, output, size: 2, stride: 2)
        for c in 0..<input.channels {
            for i in 0..<output.height {
                let top = input.pointer(c, 2 * i, 0), bottom = input.pointer(c, 2 * i + 1, 0)
                let dst = output.pointer(c, i, 0)
                for j in 0..<output.width {
                    dst[j] = (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]) / 4
                }
            }
        }
    }

    public static func averagePoolAdjoint(_ grad: Tensor, into input: Tensor) {
        checkWindow(input, grad, size: 2, stride: 2)
        for c in 0..<input.channels {
            for i in 0..<grad.height {
                let top = input.pointer(c, 2 * i, 0), bottom = input.pointer(c, 2 * i + 1, 0)
                let g = grad.pointer(c, i, 0)
                for j in 0..<grad.width {
                    let v = g[j] / 4
                    top[2 * j] += v; top[2 * j + 1] += v; bottom[2 * j] += v; bottom[2 * j + 1] += v
                }
            }
        }
    }

    /// out[c][i][j] = in[c][rows[i]][cols[j]]: the picked rows crossed with the picked columns.
    public static func gather(_ input: Tensor, rows: [Int], cols: [Int], into output: Tensor) {
        precondition(output.height == rows.count && output.width == cols.count && output.channels == input.channels)
        for c in 0..<input.channels {
            for (i, r) in rows.enumerated() {
                let src = input.pointer(c, r, 0), dst = output.pointer(c, i, 0)
                for (j, col) in cols.enumerated() { dst[j] = src[col] }
            }
        }
    }

    public static func gatherAdjoint(_ grad: Tensor, rows: [Int], cols: [Int], into input: Tensor) {
        precondition(grad.height == rows.count && grad.width == cols.count && grad.channels == input.channels)
        for c in 0..<input.channels {
            for (i, r) in rows.enumerated() {
                let g = grad.pointer(c, i, 0), dst = input.pointer(c, r, 0)
                for (j, col) in cols.enumerated() { dst[col] += g[j] }
            }
        }
    }

    /// The loops `strided` and its adjoint share: `body` gets the kernel, its side, the distance
    /// between rows of `large`, and for each window (channel by channel, row by row) its top-left
    /// in `large` and the element of `small` it maps to.
    @inline(__always)
    private static func forEachWindow(_ large: Tensor, _ small: Tensor, kernel: [Float], size k: Int, stride s: Int,
                                      _ body: (_ kernel: UnsafePointer<Float>, _ size: Int, _ rowStride: Int,
                                               _ window: UnsafeMutablePointer<Float>, _ element: UnsafeMutablePointer<Float>) -> Void) {
        checkWindow(large, small, size: k, stride: s)
        // The kernel through a pointer (indexed as an array per tap, this took a millisecond of a
        // 256x256 RGB iteration, on one thread), and ZS-N2N's 2x2 / 2 as constants, so that its
        // copy of the loops has no inner loops left: a quarter of the time again.
        @inline(__always) func run(_ k: Int, _ s: Int) {
            kernel.withUnsafeBufferPointer { w in
                let w = w.baseAddress!, rowStride = large.rowStride
                for c in 0..<large.channels {
                    for i in 0..<small.height {
                        let row = large.pointer(c, i * s, 0), element = small.pointer(c, i, 0)
                        for j in 0..<small.width { body(w, k, rowStride, row + j * s, element + j) }
                    }
                }
            }
        }
        if k == 2 && s == 2 { run(2, 2) } else { run(k, s) }
    }

    /// The output size of a k x k window with stride s over n pixels, or 0 when n < k.
    public static func outputLength(_ n: Int, size k: Int, stride s: Int) -> Int {
        n < k ? 0 : (n - k) / s + 1
    }

    private static func checkWindow(_ large: Tensor, _ small: Tensor, size k: Int, stride s: Int) {
        precondition(large.channels == small.channels)
        precondition(small.height == outputLength(large.height, size: k, stride: s)
                     && small.width == outputLength(large.width, size: k, stride: s),
                     "window \(k)/\(s) maps \(large.shapeDescription) to the wrong size \(small.shapeDescription)")
    }
}
