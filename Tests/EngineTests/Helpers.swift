import Engine
import Foundation

/// How much sparser the finite-difference checks pick their weights under a sanitizer
/// (scripts/sanitize.sh sets ZSN2N_SANITIZER): there each forward pass costs about 20 times more,
/// and what the sanitized run is for is the engine's threads, which every pass exercises alike.
/// The plain run checks the full spread.
let sanitizedSparsity = ProcessInfo.processInfo.environment["ZSN2N_SANITIZER"] == nil ? 1 : 11

/// A tensor of uniform values in [-1, 1) from a seeded generator.
func randomTensor(_ c: Int, _ h: Int, _ w: Int, pad: Int = 1, rng: inout Random) -> Tensor {
    let t = Tensor(channels: c, height: h, width: w, pad: pad)
    t.load((0..<(c * h * w)).map { _ in rng.uniformFloat() * 2 - 1 })
    return t
}

func randomValues(_ n: Int, scale: Float = 1, rng: inout Random) -> [Float] {
    (0..<n).map { _ in (rng.uniformFloat() * 2 - 1) * scale }
}

/// sum over the interior of weights * tensor, in double precision: a scalar loss whose gradient
/// by the tensor is `weights`.
func dot(_ t: Tensor, _ weights: Tensor) -> Double {
    precondition(t.hasSameShape(as: weights))
    var s = 0.0
    for c in 0..<t.channels { for y in 0..<t.height { for x in 0..<t.width { s += Double(t[c, y, x]) * Double(weights[c, y, x]) } } }
    return s
}

/// Central finite difference of `loss` by the float at `p`.
func centralDifference(_ p: UnsafeMutablePointer<Float>, step h: Float = 1e-2, _ loss: () -> Double) -> Double {
    let saved = p.pointee
    p.pointee = saved + h
    let up = loss()
    p.pointee = saved - h
    let down = loss()
    p.pointee = saved
    return (up - down) / Double(2 * h)
}

/// max |a - b| / max(max |b|, floor).
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-6) -> Double {
    precondition(a.count == b.count)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    return worst / max(b.map(abs).max() ?? 0, floor)
}

/// A feature map of uniform values in [-1, 1).
func randomFeatureMap(_ c: Int, _ h: Int, _ w: Int, rng: inout Random) -> FeatureMap {
    let m = FeatureMap(channels: c, height: h, width: w)
    m.load(planar: randomValues(c * h * w, rng: &rng))
    return m
}

/// sum over the interior of weights * map, in double precision.
func dot(_ m: FeatureMap, _ weights: FeatureMap) -> Double {
    zip(m.toPlanar(), weights.toPlanar()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Every border float of a feature map (the zero padding plus the rows and columns that round
/// its sides up to multiples of four).
func borderValues(_ m: FeatureMap) -> [Float] {
    var out: [Float] = []
    for y in -1...((m.height + 3) / 4 * 4) {
        for x in -1...((m.width + 3) / 4 * 4) where y < 0 || y >= m.height || x < 0 || x >= m.width {
            for c in 0..<m.channels { out.append(m[c, y, x]) }
        }
    }
    return out
}

/// The 3x3 convolution with zero padding 1, straight from its definition, in double precision,
/// on planar values (channel, row, column).
func naiveConv3x3(_ input: [Float], channels cin: Int, height h: Int, width w: Int,
                  weights: [Float], bias: [Float], outChannels: Int) -> [Double] {
    var out = [Double](repeating: 0, count: outChannels * h * w)
    for o in 0..<outChannels {
        for y in 0..<h {
            for x in 0..<w {
                var s = Double(bias[o])
                for i in 0..<cin {
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let yy = y + ky - 1, xx = x + kx - 1
                            guard yy >= 0, yy < h, xx >= 0, xx < w else { continue }
                            s += Double(weights[((o * cin + i) * 3 + ky) * 3 + kx]) * Double(input[(i * h + yy) * w + xx])
                        }
                    }
                }
                out[(o * h + y) * w + x] = s
            }
        }
    }
    return out
}

func leaky(_ v: Double, _ slope: Double = 0.2) -> Double { v > 0 ? v : slope * v }

/// Floats at a fixed address, so a loss closure can read them while a test perturbs them.
final class Buffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(from: values, count: count)
    }
    deinit { pointer.deallocate() }
    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
