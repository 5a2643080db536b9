import Dispatch

extension Metrics {
    /// ITU-R BT.601 luma weights (R, G, B).
    ///
    /// Why BT.601 and not BT.709 (0.2126, 0.7152, 0.0722, which scikit-image's `rgb2gray` uses):
    /// the SSIM literature, Wang et al.'s reference `ssim.m` run on MATLAB's `rgb2gray`, PIL's
    /// `convert("L")` and the JPEG/JFIF Y channel all use the BT.601 weights, so SSIM values computed
    /// here compare with the published ones. The weights sum to 1, so luma stays in [0, 1].
    public static let lumaWeights: (r: Float, g: Float, b: Float) = (0.299, 0.587, 0.114)

    /// The luma plane of an image, `width * height` values, row-major.
    ///
    /// Gray images are returned as they are (the same storage, no copy). RGB images give
    /// Y = 0.299 R + 0.587 G + 0.114 B per pixel (ITU-R BT.601; see `lumaWeights` for the choice),
    /// computed in Float. Alpha is ignored: every metric is computed on the colour samples only.
    public static func luma(_ image: Image) -> [Float] {
        if image.channels == 1 { return image.pixels }
        let n = image.planeSize
        if n == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            image.pixels.withUnsafeBufferPointer { src in
                let r = src.baseAddress!, g = r + n, b = r + 2 * n
                let o = out.baseAddress!
                // Blocks of fixed size, so the work splits across cores; each output is independent,
                // so the result does not depend on the split.
                let block = 1 << 18
                let blocks = (n + block - 1) / block
                MetricKernels.parallelFor(blocks) { k in
                    let start = k * block, end = min(n, start + block)
                    lumaSpan(r: r + start, g: g + start, b: b + start, count: end - start, into: o + start)
                }
            }
            initialized = n
        }
    }

    /// Y = 0.299 R + 0.587 G + 0.114 B for `count` pixels: the one formula every luma value comes from.
    @inline(__always)
    static func lumaSpan(r: UnsafePointer<Float>, g: UnsafePointer<Float>, b: UnsafePointer<Float>, count: Int,
                         into out: UnsafeMutablePointer<Float>) {
        let (wr, wg, wb) = lumaWeights
        for i in 0..<count { out[i] = wr * r[i] + wg * g[i] + wb * b[i] }
    }
}

// MARK: - Shared helpers for the metric and noise kernels

/// Helpers shared by the metric and noise kernels (a namespace, so that the names cannot collide with
/// other files of the module).
enum MetricKernels {
    /// Runs `body(k)` for every k in 0..<count, spread over the cores when there is more than one
    /// item. Callers choose `count` from the data size only, never from the core count, so that a
    /// reduction done per item and then summed in item order gives the same bits on every machine.
    @inline(__always)
    static func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// How many row chunks to split `rows` rows of `width` pixels into: one chunk for small images
    /// (threads would cost more than they save), otherwise chunks of at least `minRows` rows, at most
    /// 32 of them. Depends on the size only (see `parallelFor`).
    static func rowChunks(rows: Int, width: Int, minRows: Int = 32) -> Int {
        if rows <= 0 { return 0 }
        if rows * width < 1 << 16 { return 1 }
        return max(1, min(32, rows / minRows))
    }

    /// The rows of chunk `k` when `rows` rows are split into `chunks` nearly equal chunks.
    @inline(__always)
    static func chunkRange(_ k: Int, of chunks: Int, rows: Int) -> Range<Int> {
        (k * rows / chunks)..<((k + 1) * rows / chunks)
    }

    /// Sum of `n` doubles with eight independent accumulators (two 4-lane vectors), so the loop is
    /// not bound by the latency of one running sum. The order is fixed, so the result is too.
    @inline(__always)
    static func sumDoubles(_ p: UnsafePointer<Double>, _ n: Int) -> Double {
        var acc0 = SIMD4<Double>(), acc1 = SIMD4<Double>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            acc0 += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
            acc1 += raw.loadUnaligned(fromByteOffset: (i + 4) * 8, as: SIMD4<Double>.self)
            i += 8
        }
        var s = (acc0 + acc1).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }
}
