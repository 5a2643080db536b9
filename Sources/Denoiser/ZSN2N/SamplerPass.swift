import Engine

/// One application of a sampler at one image size, remembering what its adjoint needs: the max
/// pools' winners and the random pools' picks.
public final class SamplerPass {
    public let sampler: Sampler
    public let channels: Int
    public let height: Int
    public let width: Int
    public let outHeight: Int
    public let outWidth: Int
    private var argmax: [[Int32]]
    public private(set) var draws: [PoolDraw?] = [nil, nil]

    public init(sampler: Sampler, channels: Int, height: Int, width: Int) {
        self.sampler = sampler
        self.channels = channels
        self.height = height
        self.width = width
        (outHeight, outWidth) = sampler.outputSize(height: height, width: width)
        precondition(outHeight > 0 && outWidth > 0, "image too small for sampler \(sampler.name)")
        argmax = [[Int32]](repeating: [Int32](repeating: 0, count: channels * outHeight * outWidth), count: 2)
    }

    /// The bytes a pass at this size keeps: both max pools' winners.
    public static func byteCount(sampler: Sampler, channels: Int, height: Int, width: Int) -> Int {
        let (h, w) = sampler.outputSize(height: height, width: width)
        return 2 * channels * h * w * MemoryLayout<Int32>.size
    }

    /// first = D1(input), second = D2(input), drawing random picks from `source`.
    public func apply<S: PoolDrawSource>(_ input: Tensor, first: Tensor, second: Tensor, draws source: inout S) {
        switch sampler.kind {
        case .kernels(let k1, let k2, let k, let s, let d):
            Downsample.strided(input, kernel: k1, size: k, stride: s, divisor: d, into: first)
            Downsample.strided(input, kernel: k2, size: k, stride: s, divisor: d, into: second)
        case .pools(let a, let b):
            pool(a, slot: 0, input, into: first, draws: &source)
            pool(b, slot: 1, input, into: second, draws: &source)
        }
    }

    /// inputGradient += D1^T(first) + D2^T(second), for the picks of the last `apply`.
    public func adjoint(first: Tensor, second: Tensor, into inputGradient: Tensor) {
        switch sampler.kind {
        case .kernels(let k1, let k2, let k, let s, let d):
            Downsample.stridedAdjoint(first, kernel: k1, size: k, stride: s, divisor: d, into: inputGradient)
            Downsample.stridedAdjoint(second, kernel: k2, size: k, stride: s, divisor: d, into: inputGradient)
        case .pools(let a, let b):
            poolAdjoint(a, slot: 0, first, into: inputGradient)
            poolAdjoint(b, slot: 1, second, into: inputGradient)
        }
    }

    private func pool<S: PoolDrawSource>(_ kind: Sampler.Pool, slot: Int, _ input: Tensor, into output: Tensor,
                                         draws source: inout S) {
        switch kind {
        case .max:
            argmax[slot].withUnsafeMutableBufferPointer { Downsample.maxPool(input, into: output, argmax: $0.baseAddress!) }
        case .average:
            Downsample.averagePool(input, into: output)
        case .random:
            let draw = source.draw(height: height, width: width)
            precondition(draw.rows.count == outHeight && draw.cols.count == outWidth, "a pool draw of the wrong size")
            draws[slot] = draw
            Downsample.gather(input, rows: draw.rows, cols: draw.cols, into: output)
        }
    }

    private func poolAdjoint(_ kind: Sampler.Pool, slot: Int, _ grad: Tensor, into input: Tensor) {
        switch kind {
        case .max:
            argmax[slot].withUnsafeBufferPointer { Downsample.maxPoolAdjoint(grad, argmax: $0.baseAddress!, into: input) }
        case .average:
            Downsample.averagePoolAdjoint(grad, into: input)
        case .random:
            let draw = draws[slot]!
            Downsample.gatherAdjoint(grad, rows: draw.rows, cols: draw.cols, into: input)
        }
    }
}
