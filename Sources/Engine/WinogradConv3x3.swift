import Foundation

/// 3x3 convolution, stride 1, zero padding 1, between feature maps, by Winograd's minimal
/// filtering F(4x4, 3x3): each 4x4 block of outputs costs 36 multiplications per channel pair
/// instead of 144. The output tiles are handled in blocks of up to 32 along a tile row; for each
/// block the input patches are transformed, multiplied by the transformed weights as 36 small
/// matrix products (the register-blocked `gemmBlock` of the kernels), and transformed back.
///
/// Backward-data is the same convolution of the output gradient with the weights transposed and
/// rotated by 180 degrees. Backward-weights runs the products the other way, summing over tiles, in
/// parts added in order whose number the map's size fixes, so results do not depend on the thread
/// count. `backward` runs both backward passes in one sweep.
/// Weights are OIHW (`[out][in][ky][kx]`); channel counts must be multiples of 48, the widest
/// register block of the products (three AVX-512 vectors), so that a layer valid on one CPU path is
/// valid on the other.
public final class WinogradConv3x3: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let parallel: Parallel
    static let tileCapacity = 32
    /// The most parts the weight gradient is summed in (see `backward`).
    static let weightParts = 8
    static let channelMultiple = 48
    private let kernels = CPUPath.current.kernels

    private let buffers: FloatBuffers
    private let forwardU: UnsafeMutablePointer<Float>
    private let backwardU: UnsafeMutablePointer<Float>
    /// The weights each U was last transformed from (NaN at first, equal to no weights).
    private let forwardSource: UnsafeMutablePointer<Float>
    private let backwardSource: UnsafeMutablePointer<Float>
    /// The weights rearranged for `transformKernels`.
    private let taps: UnsafeMutablePointer<Float>
    private let partials: UnsafeMutablePointer<Float>
    /// One block of transformed inputs and one of products per worker.
    private let scratch: [UnsafeMutablePointer<Float>]

    public init(inChannels: Int, outChannels: Int, parallel: Parallel = .allCores) {
        precondition(inChannels % WinogradConv3x3.channelMultiple == 0 && outChannels % WinogradConv3x3.channelMultiple == 0,
                     "channel counts must be multiples of \(WinogradConv3x3.channelMultiple)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.parallel = parallel
        buffers = FloatBuffers(WinogradConv3x3.memory(inChannels: inChannels, outChannels: outChannels, threads: parallel.threads))
        forwardU = buffers["forward weights, transformed"]
        backwardU = buffers["backward weights, transformed"]
        forwardSource = buffers["forward weights' source"]
        backwardSource = buffers["backward weights' source"]
        taps = buffers["weight taps"]
        partials = buffers["weight-gradient parts"]
        // NaN until the first transform, like the sources: weights that compare equal to those
        // (all NaN) give NaN, as a transform of them would.
        let u = winogradPoints * inChannels * outChannels, weights = 9 * inChannels * outChannels
        for (buffer, count) in [(forwardU, u), (backwardU, u), (forwardSource, weights), (backwardSource, weights)] {
            buffer.update(repeating: .nan, count: count)
        }
        // Zeroed (as every buffer is), so that the spare rows a product reads past a short block are finite.
        let size = WinogradConv3x3.scratchCount(inChannels, outChannels)
        scratch = (0..<parallel.threads).map { [buffers] in buffers["scratch"] + $0 * size }
    }

    private static func scratchCount(_ cin: Int, _ cout: Int) -> Int { 2 * winogradPoints * tileCapacity * max(cin, cout) }

    /// What this layer allocates: both transformed weight sets, the weights each came from, the
    /// weights rearranged for the transform, the weight-gradient parts and one scratch block per
    /// thread.
    public static func memory(inChannels cin: Int, outChannels cout: Int, threads: Int) -> MemoryPlan {
        MemoryPlan(floats: [
            "forward weights, transformed": winogradPoints * cin * cout,
            "backward weights, transformed": winogradPoints * cin * cout,
            "forward weights' source": 9 * cin * cout,
            "backward weights' source": 9 * cin * cout,
            "weight taps": 9 * cin * cout,
            "weight-gradient parts": weightParts * (winogradPoints * cin * cout + cout),
            "scratch": threads * scratchCount(cin, cout),
        ])
    }

    /// output = epilogue(conv(input, weights)).
    public func forward(input: FeatureMap, weights: UnsafePointer<Float>, output: FeatureMap, epilogue: FeatureEpilogue) {
        precondition(input.channels == inChannels && output.channels == outChannels)
        precondition(input.height == output.height && input.width == output.width)
        transformKernels(weights, rotated: false, into: forwardU, source: forwardSource)
        run(input: input, u: forwardU, output: output, epilogue: epilogue)
    }

    /// gradInput = epilogue(conv_transpose(gradOutput, weights)).
    public func backwardData(gradOutput: FeatureMap, weights: UnsafePointer<Float>, gradInput: FeatureMap,
                             epilogue: FeatureEpilogue) {
        precondition(gradOutput.channels == outChannels && gradInput.channels == inChannels)
        precondition(gradOutput.height == gradInput.height && gradOutput.width == gradInput.width)
        transformKernels(weights, rotated: true, into: backwardU, source: backwardSource)
        run(input: gradOutput, u: backwardU, output: gradInput, epilogue: epilogue)
    }

    /// gradWeights += dL/dW and gradBias += dL/db.
    public func backwardWeights(input: FeatureMap, gradOutput: FeatureMap,
                                gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        backward(input: input, gradOutput: gradOutput, data: nil, gradWeights: gradWeights, gradBias: gradBias)
    }

    /// Both backward passes in one sweep over the tiles: gradWeights += dL/dW, gradBias += dL/db
    /// and gradInput = epilogue(conv_transpose(gradOutput, weights)). Each block of tiles reads the
    /// same rows of `input` and `gradOutput` for both while they are in cache, instead of once per
    /// pass from memory. The results are those of `backwardWeights` and `backwardData`, bit for bit.
    public func backward(input: FeatureMap, gradOutput: FeatureMap, weights: UnsafePointer<Float>, gradInput: FeatureMap,
                         epilogue: FeatureEpilogue, gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(gradInput.hasSameShape(as: input))
        transformKernels(weights, rotated: true, into: backwardU, source: backwardSource)
        backward(input: input, gradOutput: gradOutput, data: (gradInput, epilogue),
                 gradWeights: gradWeights, gradBias: gradBias)
    }

    private func backward(input: FeatureMap, gradOutput: FeatureMap, data: (gradInput: FeatureMap, epilogue: FeatureEpilogue)?,
                          gradWeights: UnsafeMutablePointer<Float>, gradBias: UnsafeMutablePointer<Float>) {
        precondition(input.channels == inChannels && gradOutput.channels == outChannels)
        precondition(input.height == gradOutput.height && input.width == gradOutput.width)
        let cin = inChannels, cout = outChannels, capacity = WinogradConv3x3.tileCapacity
        let points = winogradPoints
        let partLength = points * cin * cout + cout
        let (tileRows, blocksPerRow, tilesPerRow) = tiling(input)
        let blocks = tileRows * blocksPerRow
        // Each part zeroes and then adds in a whole dU (330 KB at 48 channels): worth it for at
        // least eight blocks of tiles (a 128x128 crop, 32 blocks, then takes 4 parts instead of 8:
        // 0.90 of the time of a batch of one on two threads, 0.93-0.98 of a batch of two on lanes,
        // `scripts/bench-ab.py`; 2 parts took 1.15). The count depends on the map alone, never on
        // the threads.
        let parts = min(WinogradConv3x3.weightParts, max(1, blocks / 8))
        let scratch = self.scratch, partials = self.partials, kernels = self.kernels, backwardU = self.backwardU
        parallel.sumInParts(parts, length: partLength, buffer: partials) { worker, part, sums in
            let v = scratch[worker], dm = v + points * capacity * max(cin, cout)
            for block in Parallel.slice(blocks, part: part, of: parts) {
                let r = block / blocksPerRow, t0 = block % blocksPerRow * capacity
                let n = min(capacity, tilesPerRow - t0)
                kernels.winogradInputTransform(input, tileRow: r, firstTile: t0, count: n, into: v)
                kernels.winogradGradientTransform(gradOutput, tileRow: r, firstTile: t0, count: n, into: dm,
                                          biasSums: sums + points * cin * cout)
                kernels.winogradWeightProducts(dm: dm, v: v, du: sums, tiles: n, inChannels: cin, outChannels: cout)
                if let (gradInput, epilogue) = data {
                    kernels.winogradInputTransform(gradOutput, tileRow: r, firstTile: t0, count: n, into: v)
                    kernels.winogradProducts(v: v, u: backwardU, m: dm, tiles: n, inChannels: cout, outChannels: cin)
                    kernels.winogradOutputTransform(dm, into: gradInput, tileRow: r, firstTile: t0, count: n, epilogue: epilogue)
                }
            }
        }
        let u = partials
        for o in 0..<cout { gradBias[o] += u[points * cin * cout + o] }
        // dW = G^T dU G for every channel pair, sixteen input channels at a time (dU is [xi][out][in]).
        for o in 0..<cout {
            for i in stride(from: 0, to: cin, by: 16) {
                WinogradConv3x3.transformKernelGradients16(u + o * cin + i, xiStride: cin * cout,
                                                           into: gradWeights + (o * cin + i) * 9)
            }
        }
    }

    /// U = G g G^T for every kernel, unless `source` already holds these weights: a ZS-N2N
    /// iteration runs f on three images with the same weights. Sixteen kernels that lie side by side
    /// in U are transformed as one vector, from a copy of the weights laid out [row][tap][column]
    /// in U's terms: forward's U is [xi][in][out]; backward-data's, of the kernels rotated by 180
    /// degrees, is [xi][out][in] (the products read U's rows by input channel).
    private func transformKernels(_ weights: UnsafePointer<Float>, rotated: Bool, into u: UnsafeMutablePointer<Float>,
                                  source: UnsafeMutablePointer<Float>) {
        let cin = inChannels, cout = outChannels, count = cin * cout * 9
        if memcmp(source, weights, count * MemoryLayout<Float>.size) == 0 { return }
        let t = taps
        for o in 0..<cout {
            for i in 0..<cin {
                for k in 0..<9 {
                    let value = weights[(o * cin + i) * 9 + k]
                    if rotated { t[(o * 9 + 8 - k) * cin + i] = value } else { t[(i * 9 + k) * cout + o] = value }
                }
            }
        }
        let (rows, columns) = rotated ? (cout, cin) : (cin, cout)
        for row in 0..<rows {
            for column in stride(from: 0, to: columns, by: 16) {
                WinogradConv3x3.transformKernels16(t + row * 9 * columns + column, tapStride: columns,
                                                   into: u + row * columns + column, xiStride: cin * cout)
            }
        }
        source.update(from: weights, count: count)
    }

    /// Tile rows, blocks per tile row and tiles per tile row for a map.
    private func tiling(_ map: FeatureMap) -> (Int, Int, Int) {
        WinogradConv3x3.tiling(height: map.height, width: map.width)
    }

    private static func tiling(height: Int, width: Int) -> (Int, Int, Int) {
        let tilesPerRow = (width + 3) / 4
        return ((height + 3) / 4, (tilesPerRow + tileCapacity - 1) / tileCapacity, tilesPerRow)
    }

    // The transforms' arithmetic per lane, counted in Sources/Kernels (count again when they change):
    // inputTransform6 8 multiply-adds and 6 other operations, outputTransform6 3 and 7,
    // gradientTransform4 2 and 7 (and 4 adds a row for the bias sums).

    /// What `forward` (or `backwardData`, with the channel counts swapped) does on a map of this size.
    public func runWork(height: Int, width: Int, inChannels cin: Int, outChannels cout: Int) -> EngineWork {
        let (tileRows, _, tilesPerRow) = WinogradConv3x3.tiling(height: height, width: width)
        let capacity = WinogradConv3x3.tileCapacity
        // Each block's products run on its tiles rounded up to the register block's four rows.
        var productTiles = 0
        for t0 in stride(from: 0, to: tilesPerRow, by: capacity) { productTiles += (min(capacity, tilesPerRow - t0) + 3) / 4 * 4 }
        let tiles = tileRows * tilesPerRow
        // The output transform: six columns for every tile, then one row per output row present
        // (`height` of them down each column of tiles).
        let outputCalls = tilesPerRow * (6 * tileRows + height)
        return EngineWork(productMultiplyAdds: tileRows * productTiles * winogradPoints * cin * cout,
                          otherMultiplyAdds: tiles * 12 * 8 * cin + outputCalls * 3 * cout,
                          otherFlops: tiles * 12 * 6 * cin + outputCalls * 7 * cout)
    }

    /// What `backwardWeights` does on a map of this size.
    public func backwardWeightsWork(height: Int, width: Int) -> EngineWork {
        let (tileRows, _, tilesPerRow) = WinogradConv3x3.tiling(height: height, width: width)
        let tiles = tileRows * tilesPerRow, cin = inChannels, cout = outChannels
        return EngineWork(productMultiplyAdds: tiles * winogradPoints * cin * cout,
                          otherMultiplyAdds: tiles * (12 * 8 * cin + 10 * 2 * cout),
                          otherFlops: tiles * (12 * 6 * cin + (10 * 7 + 4 * 4) * cout))
    }

    private func run(input: FeatureMap, u: UnsafeMutablePointer<Float>, output: FeatureMap, epilogue: FeatureEpilogue) {
        let cin = input.channels, cout = output.channels, capacity = WinogradConv3x3.tileCapacity
        let (tileRows, blocksPerRow, tilesPerRow) = tiling(input)
        let scratch = self.scratch, kernels = self.kernels
        parallel.forEachWorker(tileRows * blocksPerRow) { worker, blocks in
            let v = scratch[worker], m = v + winogradPoints * capacity * max(cin, cout)
            for block in blocks {
                let r = block / blocksPerRow, t0 = block % blocksPerRow * capacity
                let n = min(capacity, tilesPerRow - t0)
                kernels.winogradInputTransform(input, tileRow: r, firstTile: t0, count: n, into: v)
                kernels.winogradProducts(v: v, u: u, m: m, tiles: n, inChannels: cin, outChannels: cout)
                kernels.winogradOutputTransform(m, into: output, tileRow: r, firstTile: t0, count: n, epilogue: epilogue)
            }
        }
    }

    /// U = G g G^T for sixteen 3x3 kernels at once: tap j of kernel l at g[j * tapStride + l], U's
    /// point xi of kernel l written to u[xi * xiStride + l]. Each lane does the arithmetic of one
    /// kernel's transform, operation for operation.
    @inline(__always)
    static func transformKernels16(_ g: UnsafePointer<Float>, tapStride: Int, into u: UnsafeMutablePointer<Float>, xiStride: Int) {
        typealias V = SIMD16<Float>
        @inline(__always) func k(_ j: Int) -> V { UnsafeRawPointer(g + j * tapStride).loadUnaligned(as: V.self) }
        // G applied to three values: six.
        @inline(__always) func apply(_ a: V, _ b: V, _ c: V) -> (V, V, V, V, V, V) {
            (a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a / 24 + b / 12 + c / 6, a / 24 - b / 12 + c / 6, c)
        }
        let c0 = apply(k(0), k(3), k(6)), c1 = apply(k(1), k(4), k(7)), c2 = apply(k(2), k(5), k(8))
        @inline(__always) func put(_ row: Int, _ a: V, _ b: V, _ c: V) {
            let r = apply(a, b, c)
            let p = UnsafeMutableRawPointer(u + 6 * row * xiStride), step = xiStride * MemoryLayout<Float>.size
            p.storeBytes(of: r.0, as: V.self); (p + step).storeBytes(of: r.1, as: V.self)
            (p + 2 * step).storeBytes(of: r.2, as: V.self); (p + 3 * step).storeBytes(of: r.3, as: V.self)
            (p + 4 * step).storeBytes(of: r.4, as: V.self); (p + 5 * step).storeBytes(of: r.5, as: V.self)
        }
        put(0, c0.0, c1.0, c2.0); put(1, c0.1, c1.1, c2.1); put(2, c0.2, c1.2, c2.2)
        put(3, c0.3, c1.3, c2.3); put(4, c0.4, c1.4, c2.4); put(5, c0.5, c1.5, c2.5)
    }

    /// dW += G^T dU G for sixteen kernels side by side in dU (point xi of kernel l at
    /// du[xi * xiStride + l]), kernel l's nine weights at dw[9 l ..< 9 l + 9].
    @inline(__always)
    static func transformKernelGradients16(_ du: UnsafePointer<Float>, xiStride: Int, into dw: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        // G^T applied to six values: three.
        @inline(__always) func apply(_ x: (V, V, V, V, V, V)) -> (V, V, V) {
            (x.0 / 4 - (x.1 + x.2) / 6 + (x.3 + x.4) / 24,
             (x.2 - x.1) / 6 + (x.3 - x.4) / 12,
             -(x.1 + x.2) / 6 + (x.3 + x.4) / 6 + x.5)
        }
        @inline(__always) func point(_ xi: Int) -> V { UnsafeRawPointer(du + xi * xiStride).loadUnaligned(as: V.self) }
        @inline(__always) func column(_ c: Int) -> (V, V, V) {
            apply((point(c), point(6 + c), point(12 + c), point(18 + c), point(24 + c), point(30 + c)))
        }
        let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
        let r0 = apply((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
        let r1 = apply((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
        let r2 = apply((c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
        for lane in 0..<16 {
            let w = dw + 9 * lane
            w[0] += r0.0[lane]; w[1] += r0.1[lane]; w[2] += r0.2[lane]
            w[3] += r1.0[lane]; w[4] += r1.1[lane]; w[5] += r1.2[lane]
            w[6] += r2.0[lane]; w[7] += r2.1[lane]; w[8] += r2.2[lane]
        }
    }
}
