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
