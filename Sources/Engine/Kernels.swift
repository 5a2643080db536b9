/// The SIMD inner loops of the convolutions, all in this one file.
///
/// They live together because debug builds compile file by file and inline only within a file:
/// a vector load or an FMA helper called across files costs a function call per instruction there,
/// twenty times slower. The callers (ImageConv3x3, WinogradConv3x3, FeatureProjection) call in once
/// per row or block.

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

@inline(__always)
func fma8(_ acc: Vec8, _ a: Vec8, _ b: Vec8) -> Vec8 {
    acc.addingProduct(a, b)
}

/// The LeakyReLU derivative taken from the activation itself: its sign is the sign of its input.
@inline(__always)
func leakyFactor(_ activation: Vec8, slope: Float) -> Vec8 {
    Vec8(repeating: slope).replacing(with: 1, where: activation .> 0)
}

// MARK: Winograd F(4x4, 3x3) on feature maps (channels adjacent)
//
// For one 6x6 input patch d, one 3x3 kernel g and the 4x4 output y (Lavin & Gray 2016):
//     y = A^T [ (G g G^T) . (B^T d B) ] A
// B^T = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]
// G = [[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]]
// A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
// Each transform below is separable (rows, then columns) and works on eight channels at once.

/// Winograd's points per side: 36 products per 4x4 outputs instead of 144.
let winogradPoints = 36

typealias Six = (Vec8, Vec8, Vec8, Vec8, Vec8, Vec8)

/// B^T applied to six values along one direction.
@inline(__always)
func inputTransform6(_ d: Six) -> Six {
    let four = Vec8(repeating: 4), two = Vec8(repeating: 2), five = Vec8(repeating: 5)
    let a = d.3 + d.4, b = d.1 + d.2, c = d.4 - d.3, e = d.1 - d.2
    let f = d.4 - d.2, g = d.3 - d.1
    return (fma8(d.4 - five * d.2, four, d.0),
            a - four * b,
            fma8(c, four, e),
            fma8(f, two, g),
            f - two * g,
            fma8(d.5 - five * d.3, four, d.1))
}

/// A^T applied to six values along one direction: four outputs.
@inline(__always)
func outputTransform6(_ m: Six) -> (Vec8, Vec8, Vec8, Vec8) {
    let a = m.1 + m.2, b = m.1 - m.2, c = m.3 + m.4, d = m.3 - m.4
    return (m.0 + a + c, fma8(b, d, Vec8(repeating: 2)), fma8(a, c, Vec8(repeating: 4)), fma8(b, d, Vec8(repeating: 8)) + m.5)
}

/// A applied to four values along one direction: six outputs (the gradient transform).
@inline(__always)
func gradientTransform4(_ y: (Vec8, Vec8, Vec8, Vec8)) -> Six {
    let even = y.0 + y.2, odd = y.1 + y.3
    let even4 = fma8(y.0, y.2, Vec8(repeating: 4)), odd8 = fma8(y.1 + y.1, y.3, Vec8(repeating: 8))
    return (y.0, even + odd, even - odd, even4 + odd8, even4 - odd8, y.3)
}

/// V[t][xi][c] = (B^T d B)[xi] for tiles t0..<t0+n of tile row `r`, every channel. A tile's 36
/// transformed patches lie together, so each transform writes one compact run of memory.
func winogradInputTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                            into v: UnsafeMutablePointer<Float>) {
    let channels = map.channels, rs = map.rowStride
    for j in 0..<n {
        let top = map.pointer(4 * r - 1, 4 * (t0 + j) - 1)
        var g = 0
        while g < channels {
            // Rows first: each of the six patch rows gives six transformed columns.
            @inline(__always) func row(_ dy: Int) -> Six {
                let p = top + dy * rs + g
                return inputTransform6((load8(p), load8(p + channels), load8(p + 2 * channels),
                                        load8(p + 3 * channels), load8(p + 4 * channels), load8(p + 5 * channels)))
            }
            let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
            let dst = v + j * winogradPoints * channels + g
            @inline(__always) func column(_ k: Int, _ x: Six) {
                let out = inputTransform6(x)
                let p = dst + k * channels
                store8(out.0, p); store8(out.1, p + 6 * channels); store8(out.2, p + 12 * channels)
                store8(out.3, p + 18 * channels); store8(out.4, p + 24 * channels); store8(out.5, p + 30 * channels)
            }
            column(0, (r0.0, r1.0, r2.0, r3.0, r4.0, r5.0))
            column(1, (r0.1, r1.1, r2.1, r3.1, r4.1, r5.1))
            column(2, (r0.2, r1.2, r2.2, r3.2, r4.2, r5.2))
            column(3, (r0.3, r1.3, r2.3, r3.3, r4.3, r5.3))
            column(4, (r0.4, r1.4, r2.4, r3.4, r4.4, r5.4))
            column(5, (r0.5, r1.5, r2.5, r3.5, r4.5, r5.5))
            g += 8
        }
    }
}

/// dM[t][xi][c] = (A dY A^T)[xi] for the 4x4 output gradients of tiles t0..<t0+n of tile row `r`;
/// also adds every gradient value into `biasSums[c]` (the bias gradient).
func winogradGradientTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                               into m: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Float>) {
    let channels = map.channels, rs = map.rowStride
    for j in 0..<n {
        let top = map.pointer(4 * r, 4 * (t0 + j))
        var g = 0
        while g < channels {
            var total = Vec8()
            @inline(__always) func row(_ dy: Int) -> Six {
                let p = top + dy * rs + g
                let y = (load8(p), load8(p + channels), load8(p + 2 * channels), load8(p + 3 * channels))
                total += (y.0 + y.1) + (y.2 + y.3)
                return gradientTransform4(y)
            }
            let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
            store8(load8(biasSums + g) + total, biasSums + g)
            let dst = m + j * winogradPoints * channels + g
            @inline(__always) func column(_ k: Int, _ x: (Vec8, Vec8, Vec8, Vec8)) {
                let out = gradientTransform4(x)
                let p = dst + k * channels
                store8(out.0, p); store8(out.1, p + 6 * channels); store8(out.2, p + 12 * channels)
                store8(out.3, p + 18 * channels); store8(out.4, p + 24 * channels); store8(out.5, p + 30 * channels)
            }
            column(0, (r0.0, r1.0, r2.0, r3.0))
            column(1, (r0.1, r1.1, r2.1, r3.1))
            column(2, (r0.2, r1.2, r2.2, r3.2))
            column(3, (r0.3, r1.3, r2.3, r3.3))
            column(4, (r0.4, r1.4, r2.4, r3.4))
            column(5, (r0.5, r1.5, r2.5, r3.5))
            g += 8
        }
    }
}

/// The 4x4 outputs of tiles t0..<t0+n of tile row `r` from M[t][xi][c], through `epilogue`, stored
/// where they fall inside the map.
func winogradOutputTransform(_ m: UnsafeMutablePointer<Float>, into map: FeatureMap,
                             tileRow r: Int, firstTile t0: Int, count n: Int, epilogue: FeatureEpilogue) {
    let channels = map.channels
    let rows = min(4, map.height - 4 * r)
    for j in 0..<n {
        let x = 4 * (t0 + j)
        let cols = min(4, map.width - x)
        var g = 0
        while g < channels {
            let src = m + j * winogradPoints * channels + g
            // Rows of M first (six rows of six give four rows of six), then columns.
            @inline(__always) func column(_ k: Int) -> (Vec8, Vec8, Vec8, Vec8) {
                let p = src + k * channels
                return outputTransform6((load8(p), load8(p + 6 * channels), load8(p + 12 * channels),
                                         load8(p + 18 * channels), load8(p + 24 * channels), load8(p + 30 * channels)))
            }
            let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
            @inline(__always) func put(_ dy: Int, _ row: Six) {
                let y = outputTransform6(row)
                epilogue.store(y.0, map, 4 * r + dy, x, g)
                if cols > 1 { epilogue.store(y.1, map, 4 * r + dy, x + 1, g) }
                if cols > 2 { epilogue.store(y.2, map, 4 * r + dy, x + 2, g) }
                if cols > 3 { epilogue.store(y.3, map, 4 * r + dy, x + 3, g) }
            }
            put(0, (c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
            if rows > 1 { put(1, (c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)) }
            if rows > 2 { put(2, (c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)) }
            if rows > 3 { put(3, (c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)) }
            g += 8
        }
    }
}

/// What happens to eight channels of an output pixel before they are stored.
public enum FeatureEpilogue {
    /// `leakyReLU(v + bias)`.
    case biasLeakyReLU(UnsafePointer<Float>, slope: Float)
    /// `v * leakyReLU'(a)`, the derivative read from the activation map `a` itself.
    case leakyReLUDerivative(of: FeatureMap, slope: Float)

    @inline(__always)
    func store(_ value: Vec8, _ map: FeatureMap, _ y: Int, _ x: Int, _ g: Int) {
        var v = value
        switch self {
        case .biasLeakyReLU(let bias, let slope):
            v += load8(bias + g)
            v = v.replacing(with: v * slope, where: v .< 0)
        case .leakyReLUDerivative(let activation, let slope):
            v *= leakyFactor(load8(activation.pointer(y, x) + g), slope: slope)
        }
        store8(v, map.pointer(y, x) + g)
    }
}

/// C[r][0..<24] (+)= sum over k of A[k, r] * B[k][0..<24] for four rows r: the register block of
/// every Winograd matrix product. `a` steps by `aK` along k and `aR` along r; `b` rows are `bK`
/// apart; C rows are `cR` apart. With `accumulate`, C's old values are added to.
@inline(__always)
func gemm4x24(_ a: UnsafePointer<Float>, aK: Int, aR: Int, _ b: UnsafePointer<Float>, bK: Int,
              depth: Int, _ c: UnsafeMutablePointer<Float>, cR: Int, accumulate: Bool) {
    var c00 = Vec8(), c01 = Vec8(), c02 = Vec8(), c10 = Vec8(), c11 = Vec8(), c12 = Vec8()
    var c20 = Vec8(), c21 = Vec8(), c22 = Vec8(), c30 = Vec8(), c31 = Vec8(), c32 = Vec8()
    var pa = a, pb = b
    for _ in 0..<depth {
        let b0 = load8(pb), b1 = load8(pb + 8), b2 = load8(pb + 16)
        var s = Vec8(repeating: pa[0])
        c00 = fma8(c00, s, b0); c01 = fma8(c01, s, b1); c02 = fma8(c02, s, b2)
        s = Vec8(repeating: pa[aR])
        c10 = fma8(c10, s, b0); c11 = fma8(c11, s, b1); c12 = fma8(c12, s, b2)
        s = Vec8(repeating: pa[2 * aR])
        c20 = fma8(c20, s, b0); c21 = fma8(c21, s, b1); c22 = fma8(c22, s, b2)
        s = Vec8(repeating: pa[3 * aR])
        c30 = fma8(c30, s, b0); c31 = fma8(c31, s, b1); c32 = fma8(c32, s, b2)
        pa += aK
        pb += bK
    }
    @inline(__always) func put(_ row: Int, _ x: Vec8, _ y: Vec8, _ z: Vec8) {
        let p = c + row * cR
        if accumulate {
            store8(load8(p) + x, p); store8(load8(p + 8) + y, p + 8); store8(load8(p + 16) + z, p + 16)
        } else {
            store8(x, p); store8(y, p + 8); store8(z, p + 16)
        }
    }
    put(0, c00, c01, c02); put(1, c10, c11, c12); put(2, c20, c21, c22); put(3, c30, c31, c32)
}

/// Forward products of one block: M[t][xi][o] = sum_i V[t][xi][i] U[xi][i][o] for every xi and for
/// `tiles` tiles (rounded up to four; the extra rows read and write the block's spare room).
func winogradProducts(v: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                      tiles: Int, inChannels: Int, outChannels: Int) {
    let points = winogradPoints
    for xi in 0..<points {
        let vx = v + xi * inChannels
        let ux = u + xi * inChannels * outChannels
        let mx = m + xi * outChannels
        var t = 0
        while t < tiles {
            var o = 0
            while o < outChannels {
                gemm4x24(vx + t * points * inChannels, aK: 1, aR: points * inChannels, ux + o, bK: outChannels,
                         depth: inChannels, mx + t * points * outChannels + o, cR: points * outChannels, accumulate: false)
                o += 24
            }
            t += 4
        }
    }
}

/// Weight-gradient products of one block: dU[xi][o][i] += sum_t dM[t][xi][o] V[t][xi][i].
func winogradWeightProducts(dm: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                            du: UnsafeMutablePointer<Float>, tiles: Int, inChannels: Int, outChannels: Int) {
    let points = winogradPoints
    for xi in 0..<points {
        let mx = dm + xi * outChannels
        let vx = v + xi * inChannels
        let ux = du + xi * outChannels * inChannels
        var o = 0
        while o < outChannels {
            var i = 0
            while i < inChannels {
                gemm4x24(mx + o, aK: points * outChannels, aR: 1, vx + i, bK: points * inChannels, depth: tiles,
                         ux + o * inChannels + i, cR: inChannels, accumulate: true)
                i += 24
            }
            o += 4
        }
    }
}

// MARK: the first layer, image planes to a feature map (3x3, few input channels)

/// One output row of the image-to-features convolution: out[y][x][o] = leakyReLU(bias[o] +
/// sum over taps q = (c, ky, kx) of w[q][o] * image[c][y + ky - 1][x + kx - 1]), two pixels at a time.
/// `w` is packed [tap][48].
func imageConvRow(_ image: Tensor, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, slope: Float,
                  _ out: FeatureMap, y: Int) {
    let taps = image.channels * 9
    var x = 0
    while x < out.width {
        var a0 = load8(bias), a1 = load8(bias + 8), a2 = load8(bias + 16)
        var a3 = load8(bias + 24), a4 = load8(bias + 32), a5 = load8(bias + 40)
        var b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5
        var pw = w
        for q in 0..<taps {
            let c = q / 9, k = q % 9
            let src = image.pointer(c, y + k / 3 - 1, x + k % 3 - 1)
            let s = Vec8(repeating: src[0]), t = Vec8(repeating: src[1])
            var wv = load8(pw); a0 = fma8(a0, s, wv); b0 = fma8(b0, t, wv)
            wv = load8(pw + 8); a1 = fma8(a1, s, wv); b1 = fma8(b1, t, wv)
            wv = load8(pw + 16); a2 = fma8(a2, s, wv); b2 = fma8(b2, t, wv)
            wv = load8(pw + 24); a3 = fma8(a3, s, wv); b3 = fma8(b3, t, wv)
            wv = load8(pw + 32); a4 = fma8(a4, s, wv); b4 = fma8(b4, t, wv)
            wv = load8(pw + 40); a5 = fma8(a5, s, wv); b5 = fma8(b5, t, wv)
            pw += 48
        }
        @inline(__always) func put(_ p: UnsafeMutablePointer<Float>, _ vs: (Vec8, Vec8, Vec8, Vec8, Vec8, Vec8)) {
            @inline(__always) func act(_ v: Vec8) -> Vec8 { v.replacing(with: v * slope, where: v .< 0) }
            store8(act(vs.0), p); store8(act(vs.1), p + 8); store8(act(vs.2), p + 16)
            store8(act(vs.3), p + 24); store8(act(vs.4), p + 32); store8(act(vs.5), p + 40)
        }
        put(out.pointer(y, x), (a0, a1, a2, a3, a4, a5))
        if x + 1 < out.width { put(out.pointer(y, x + 1), (b0, b1, b2, b3, b4, b5)) }
        x += 2
    }
}

/// The weight gradient of the image-to-features convolution over one row:
/// sums[q][o] += sum_x grad[y][x][o] * image[c][y + ky - 1][x + kx - 1] for every tap q = (c, ky, kx),
/// two taps at a time; sums[taps][o] += sum_x grad[y][x][o] (the bias).
func imageConvWeightRow(_ image: Tensor, _ grad: FeatureMap, y: Int, into sums: UnsafeMutablePointer<Float>) {
    let taps = image.channels * 9
    let width = grad.width
    var q = 0
    while q < taps {
        let q2 = min(q + 1, taps - 1)
        let src0 = image.pointer(q / 9, y + (q % 9) / 3 - 1, (q % 9) % 3 - 1)
        let src1 = image.pointer(q2 / 9, y + (q2 % 9) / 3 - 1, (q2 % 9) % 3 - 1)
        let s0 = sums + q * 48, s1 = sums + q2 * 48
        var a0 = load8(s0), a1 = load8(s0 + 8), a2 = load8(s0 + 16), a3 = load8(s0 + 24), a4 = load8(s0 + 32), a5 = load8(s0 + 40)
        var b0 = Vec8(), b1 = Vec8(), b2 = Vec8(), b3 = Vec8(), b4 = Vec8(), b5 = Vec8()
        var g = grad.pointer(y, 0)
        for x in 0..<width {
            let u = Vec8(repeating: src0[x]), v = Vec8(repeating: src1[x])
            var gv = load8(g); a0 = fma8(a0, u, gv); b0 = fma8(b0, v, gv)
            gv = load8(g + 8); a1 = fma8(a1, u, gv); b1 = fma8(b1, v, gv)
            gv = load8(g + 16); a2 = fma8(a2, u, gv); b2 = fma8(b2, v, gv)
            gv = load8(g + 24); a3 = fma8(a3, u, gv); b3 = fma8(b3, v, gv)
            gv = load8(g + 32); a4 = fma8(a4, u, gv); b4 = fma8(b4, v, gv)
            gv = load8(g + 40); a5 = fma8(a5, u, gv); b5 = fma8(b5, v, gv)
            g += 48
        }
        store8(a0, s0); store8(a1, s0 + 8); store8(a2, s0 + 16); store8(a3, s0 + 24); store8(a4, s0 + 32); store8(a5, s0 + 40)
        if q2 != q {
            store8(load8(s1) + b0, s1); store8(load8(s1 + 8) + b1, s1 + 8); store8(load8(s1 + 16) + b2, s1 + 16)
            store8(load8(s1 + 24) + b3, s1 + 24); store8(load8(s1 + 32) + b4, s1 + 32); store8(load8(s1 + 40) + b5, s1 + 40)
        }
        q += 2
    }
    let sb = sums + taps * 48
    var g = grad.pointer(y, 0)
    var a0 = load8(sb), a1 = load8(sb + 8), a2 = load8(sb + 16), a3 = load8(sb + 24), a4 = load8(sb + 32), a5 = load8(sb + 40)
    for _ in 0..<width {
        a0 += load8(g); a1 += load8(g + 8); a2 += load8(g + 16); a3 += load8(g + 24); a4 += load8(g + 32); a5 += load8(g + 40)
        g += 48
    }
    store8(a0, sb); store8(a1, sb + 8); store8(a2, sb + 16); store8(a3, sb + 24); store8(a4, sb + 32); store8(a5, sb + 40)
}

// MARK: the last layer, a feature map to image planes (1x1, 48 -> 1..3)

/// out[c][y][x] = bias[c] + sum_i w[c][i] * features[y][x][i] for one row.
func featureProjectRow(_ features: FeatureMap, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                       _ out: Tensor, y: Int) {
    let cin = features.channels, cout = out.channels
    for x in 0..<out.width {
        let f = features.pointer(y, x)
        for c in 0..<cout {
            let wc = w + c * cin
            var acc = Vec8()
            var i = 0
            while i < cin { acc = fma8(acc, load8(f + i), load8(wc + i)); i += 8 }
            out.pointer(c, y, x).pointee = bias[c] + acc.sum()
        }
    }
}

/// grad[y][x][i] = (sum_c w[c][i] * gradOut[c][y][x]) * leakyReLU'(activation[y][x][i]) for one row.
func featureProjectBackwardRow(_ gradOut: Tensor, _ w: UnsafePointer<Float>, _ grad: FeatureMap,
                               activation: FeatureMap, slope: Float, y: Int) {
    let cin = grad.channels, cout = gradOut.channels
    for x in 0..<grad.width {
        let dst = grad.pointer(y, x), act = activation.pointer(y, x)
        var i = 0
        while i < cin {
            var v = Vec8()
            for c in 0..<cout { v = fma8(v, Vec8(repeating: gradOut.pointer(c, y, x).pointee), load8(w + c * cin + i)) }
            store8(v * leakyFactor(load8(act + i), slope: slope), dst + i)
            i += 8
        }
    }
}

/// sums[c][i] += sum_x gradOut[c][y][x] * features[y][x][i], sums[c][cin] += sum_x gradOut[c][y][x].
func featureProjectWeightRow(_ features: FeatureMap, _ gradOut: Tensor, y: Int, into sums: UnsafeMutablePointer<Float>) {
    let cin = features.channels, rowLength = cin + 1
    for c in 0..<gradOut.channels {
        let g = gradOut.pointer(c, y, 0)
        let s = sums + c * rowLength
        var i = 0
        while i < cin {
            var acc = Vec8()
            var f = features.pointer(y, 0) + i
            for x in 0..<features.width {
                acc = fma8(acc, Vec8(repeating: g[x]), load8(f))
                f += cin
            }
            store8(load8(s + i) + acc, s + i)
            i += 8
        }
        var total: Float = 0
        for x in 0..<features.width { total += g[x] }
        s[cin] += total
    }
}
