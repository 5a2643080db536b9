import EngineCore

/// The SIMD inner loops of the engine, all in this one file, written against `Vec`: this file is
/// compiled twice, into KernelsAVX2 (eight floats a vector) and KernelsAVX512 (sixteen), through
/// the `Shared` link in each of those directories (KernelSuite says why two modules).
///
/// They live together because debug builds compile file by file and inline only within a file:
/// a vector load or an FMA helper called across files costs a function call per instruction there,
/// twenty times slower. The layers (ImageConv3x3, WinogradConv3x3, FeatureProjection) call in once
/// per row or block, the pixel bank's search once per tile and candidate.
///
/// Nothing here depends on the width but the number of vectors a channel range (or a row of the
/// patch search's tile) takes: every per-element sum runs in the same order at both widths, except
/// the 1x1 projection's dot products (one horizontal sum of 48 channels, split into vectors of
/// either width).

/// Floats per vector.
@inline(__always)
var lanes: Int { Vec.scalarCount }

/// Vector loads and stores at any float address: the convolutions read windows shifted by one pixel,
/// which no alignment can serve.
@inline(__always)
func load(_ p: UnsafePointer<Float>) -> Vec {
    UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
}

@inline(__always)
func load(_ p: UnsafeMutablePointer<Float>) -> Vec {
    UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
}

@inline(__always)
func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
}

/// The same for the patch search's candidate indices.
@inline(__always) func load(_ p: UnsafeMutablePointer<Int32>) -> IntVec { UnsafeRawPointer(p).loadUnaligned(as: IntVec.self) }
@inline(__always) func store(_ v: IntVec, _ p: UnsafeMutablePointer<Int32>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: IntVec.self) }

/// Whether any lane of a comparison holds. The standard `any` takes the minimum of the lanes one
/// lane at a time (a chain of extractions and compares, in the patch search's innermost loop);
/// halves or-ed into halves take a few vector operations.
@inline(__always)
func anyLane(_ mask: SIMDMask<SIMD16<Int32>>) -> Bool {
    let flags = SIMD16<Int32>(repeating: 0).replacing(with: 1, where: mask)
    return anyNonZero(flags.lowHalf | flags.highHalf)
}

@inline(__always)
func anyLane(_ mask: SIMDMask<SIMD8<Int32>>) -> Bool {
    anyNonZero(SIMD8<Int32>(repeating: 0).replacing(with: 1, where: mask))
}

@inline(__always)
func anyNonZero(_ flags: SIMD8<Int32>) -> Bool {
    let four = flags.lowHalf | flags.highHalf, two = four.lowHalf | four.highHalf
    return (two[0] | two[1]) != 0
}

@inline(__always)
func fmadd(_ acc: Vec, _ a: Vec, _ b: Vec) -> Vec {
    acc.addingProduct(a, b)
}

/// The LeakyReLU derivative taken from the activation itself: its sign is the sign of its input.
@inline(__always)
func leakyFactor(_ activation: Vec, slope: Float) -> Vec {
    Vec(repeating: slope).replacing(with: 1, where: activation .> 0)
}

// MARK: Winograd F(4x4, 3x3) on feature maps (channels adjacent)
//
// For one 6x6 input patch d, one 3x3 kernel g and the 4x4 output y (Lavin & Gray 2016):
//     y = A^T [ (G g G^T) . (B^T d B) ] A
// B^T = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]
// G = [[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]]
// A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
// Each transform below is separable (rows, then columns) and works on one vector of channels at once.

typealias Six = (Vec, Vec, Vec, Vec, Vec, Vec)

/// B^T applied to six values along one direction: six adds and eight multiply-adds (the constants
/// folded into FMAs, since Swift does not contract a multiply and an add on its own).
@inline(__always)
func inputTransform6(_ d: Six) -> Six {
    let four = Vec(repeating: 4), two = Vec(repeating: 2), minusTwo = Vec(repeating: -2)
    let minusFour = Vec(repeating: -4), minusFive = Vec(repeating: -5)
    let a = d.3 + d.4, b = d.1 + d.2, c = d.4 - d.3, e = d.1 - d.2
    let f = d.4 - d.2, g = d.3 - d.1
    return (fmadd(fmadd(d.4, d.0, four), d.2, minusFive),
            fmadd(a, b, minusFour),
            fmadd(c, e, four),
            fmadd(f, g, two),
            fmadd(f, g, minusTwo),
            fmadd(fmadd(d.5, d.1, four), d.3, minusFive))
}

/// A^T applied to six values along one direction: four outputs.
@inline(__always)
func outputTransform6(_ m: Six) -> (Vec, Vec, Vec, Vec) {
    let a = m.1 + m.2, b = m.1 - m.2, c = m.3 + m.4, d = m.3 - m.4
    return (m.0 + a + c, fmadd(b, d, Vec(repeating: 2)), fmadd(a, c, Vec(repeating: 4)), fmadd(b, d, Vec(repeating: 8)) + m.5)
}

/// A applied to four values along one direction: six outputs (the gradient transform).
@inline(__always)
func gradientTransform4(_ y: (Vec, Vec, Vec, Vec)) -> Six {
    let even = y.0 + y.2, odd = y.1 + y.3
    let even4 = fmadd(y.0, y.2, Vec(repeating: 4)), odd8 = fmadd(y.1 + y.1, y.3, Vec(repeating: 8))
    return (y.0, even + odd, even - odd, even4 + odd8, even4 - odd8, y.3)
}

/// The 4x4 outputs of tiles t0..<t0+n of tile row `r` from M[t][xi][c], each vector of channels
/// handed to `put(value, y, x, g)` where it falls inside the map. Inlined into each epilogue's own
/// copy (`winogradOutputTransform`), so that no store switches on the epilogue.
@inline(__always)
func outputTransformTiles(_ m: UnsafeMutablePointer<Float>, _ map: FeatureMap, tileRow r: Int, firstTile t0: Int,
                          count n: Int, _ put: (Vec, _ y: Int, _ x: Int, _ g: Int) -> Void) {
    let channels = map.channels
    let rows = min(4, map.height - 4 * r)
    for j in 0..<n {
        let x = 4 * (t0 + j)
        let cols = min(4, map.width - x)
        for g in stride(from: 0, to: channels, by: lanes) {
            let src = m + j * winogradPoints * channels + g
            // Rows of M first (six rows of six give four rows of six), then columns.
            @inline(__always) func column(_ k: Int) -> (Vec, Vec, Vec, Vec) {
                let p = src + k * channels
                return outputTransform6((load(p), load(p + 6 * channels), load(p + 12 * channels),
                                         load(p + 18 * channels), load(p + 24 * channels), load(p + 30 * channels)))
            }
            let c0 = column(0), c1 = column(1), c2 = column(2), c3 = column(3), c4 = column(4), c5 = column(5)
            @inline(__always) func row(_ dy: Int, _ row: Six) {
                let y = outputTransform6(row)
                put(y.0, 4 * r + dy, x, g)
                if cols > 1 { put(y.1, 4 * r + dy, x + 1, g) }
                if cols > 2 { put(y.2, 4 * r + dy, x + 2, g) }
                if cols > 3 { put(y.3, 4 * r + dy, x + 3, g) }
            }
            row(0, (c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
            if rows > 1 { row(1, (c0.1, c1.1, c2.1, c3.1, c4.1, c5.1)) }
            if rows > 2 { row(2, (c0.2, c1.2, c2.2, c3.2, c4.2, c5.2)) }
            if rows > 3 { row(3, (c0.3, c1.3, c2.3, c3.3, c4.3, c5.3)) }
        }
    }
}

/// C[r][0..<3 lanes] (+)= sum over k of A[k, r] * B[k][0..<3 lanes] for four rows r: the register
/// block of every Winograd matrix product (twelve accumulators). `a` steps by `aK` along k and `aR`
/// along r; `b` rows are `bK` apart; C rows are `cR` apart. With `accumulate`, C's old values are
/// added to.
@inline(__always)
func gemmBlock(_ a: UnsafePointer<Float>, aK: Int, aR: Int, _ b: UnsafePointer<Float>, bK: Int,
               depth: Int, _ c: UnsafeMutablePointer<Float>, cR: Int, accumulate: Bool) {
    let l = lanes
    var c00 = Vec(), c01 = Vec(), c02 = Vec(), c10 = Vec(), c11 = Vec(), c12 = Vec()
    var c20 = Vec(), c21 = Vec(), c22 = Vec(), c30 = Vec(), c31 = Vec(), c32 = Vec()
    var pa = a, pb = b
    for _ in 0..<depth {
        let b0 = load(pb), b1 = load(pb + l), b2 = load(pb + 2 * l)
        var s = Vec(repeating: pa[0])
        c00 = fmadd(c00, s, b0); c01 = fmadd(c01, s, b1); c02 = fmadd(c02, s, b2)
        s = Vec(repeating: pa[aR])
        c10 = fmadd(c10, s, b0); c11 = fmadd(c11, s, b1); c12 = fmadd(c12, s, b2)
        s = Vec(repeating: pa[2 * aR])
        c20 = fmadd(c20, s, b0); c21 = fmadd(c21, s, b1); c22 = fmadd(c22, s, b2)
        s = Vec(repeating: pa[3 * aR])
        c30 = fmadd(c30, s, b0); c31 = fmadd(c31, s, b1); c32 = fmadd(c32, s, b2)
        pa += aK
        pb += bK
    }
    @inline(__always) func put(_ row: Int, _ x: Vec, _ y: Vec, _ z: Vec) {
        let p = c + row * cR
        if accumulate {
            store(load(p) + x, p); store(load(p + l) + y, p + l); store(load(p + 2 * l) + z, p + 2 * l)
        } else {
            store(x, p); store(y, p + l); store(z, p + 2 * l)
        }
    }
    put(0, c00, c01, c02); put(1, c10, c11, c12); put(2, c20, c21, c22); put(3, c30, c31, c32)
}

/// The sum of a vector's lanes, halves added to halves (SIMD's `sum()` adds lane after lane, a
/// chain as long as the vector).
@inline(__always)
func horizontalSum(_ v: SIMD16<Float>) -> Float { horizontalSum(v.lowHalf + v.highHalf) }

@inline(__always)
func horizontalSum(_ v: SIMD8<Float>) -> Float { horizontalSum(v.lowHalf + v.highHalf) }

@inline(__always)
func horizontalSum(_ v: SIMD4<Float>) -> Float {
    let pair = v.lowHalf + v.highHalf
    return pair[0] + pair[1]
}

// MARK: the patch search's pieces (the pixel bank's; `patchSearchCandidate` runs them)

/// The candidate's squared differences, row after row of the rows the tile's patches cover, each
/// row summed along the window at once while it is still in cache (into `tile.rowSums`).
@inline(__always)
func patchRowSums(_ tile: PatchSearchTile, channels: Int, shift: Int) {
    let layout = tile.layout
    let rowStride = layout.neighbourhoodRowStride, planeStride = layout.neighbourhoodPlaneStride
    let differences = tile.squaredDifferences, differenceCount = layout.squaredDifferenceRowStride
    let sumCount = layout.paddedWidth
    for r in 0..<layout.windowRows {
        // Window row r's first pixel in the first channel's plane (the tile's pixel (r - window/2,
        // -window/2) lies `reach` rows and columns inside the neighbourhood's corner).
        let row = tile.neighbourhood + (r + layout.reach) * rowStride + layout.reach
        squaredDifferenceRow(row, planeStride: planeStride, shift: shift, channels: channels, count: differenceCount,
                             into: differences)
        windowSums(differences, count: sumCount, into: tile.rowSums + r * sumCount)
    }
}

/// out[u] = sum over channels c, in order, of (row[c][u] - row[c][u + shift])^2, for u in 0..<count
/// (whole vectors); the channels' planes `planeStride` apart.
@inline(__always)
func squaredDifferenceRow(_ row: UnsafeMutablePointer<Float>, planeStride: Int, shift: Int, channels: Int, count: Int,
                          into out: UnsafeMutablePointer<Float>) {
    for u in stride(from: 0, to: count, by: lanes) {
        var sum = Vec()
        for c in 0..<channels {
            let p = row + c * planeStride + u
            let d = load(p) - load(p + shift)
            sum += d * d
        }
        store(sum, out + u)
    }
}

/// out[x] = row[x] + row[x + 1] + ... + row[x + window - 1], left to right, for x in 0..<count
/// (whole vectors).
@inline(__always)
func windowSums(_ row: UnsafeMutablePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
    for x in stride(from: 0, to: count, by: lanes) {
        var sum = load(row + x)
        for k in 1..<PatchSearchLayout.window { sum += load(row + x + k) }
        store(sum, out + x)
    }
}

/// Down each column of the tile, a vector of columns at a time: the running sum of the window's
/// row sums (row 0's window summed top to bottom, then each row's the one before plus the row that
/// enters less the row that leaves), the patch distance of each pixel, inserted into its short list.
@inline(__always)
func insertPatchDistances(_ tile: PatchSearchTile, candidate: IntVec) {
    let layout = tile.layout, window = PatchSearchLayout.window
    let rows = tile.rowSums, rowWidth = layout.paddedWidth, vectors = layout.vectorsPerRow, slots = layout.slots
    for x in stride(from: 0, to: rowWidth, by: lanes) {
        var sum = load(rows + x)
        for k in 1..<window { sum += load(rows + k * rowWidth + x) }
        for y in 0..<layout.height {
            if y > 0 {
                let entering: Vec = load(rows + (y + window - 1) * rowWidth + x), leaving: Vec = load(rows + (y - 1) * rowWidth + x)
                sum += entering - leaving
            }
            let at = (y &* vectors &+ x / lanes) &* slots &* lanes
            insert(sum, candidate: candidate, distances: tile.distances + at, candidates: tile.candidates + at, slots: slots)
        }
    }
}

/// One vector of pixels' new distances into their short lists (`slots` vectors of distances,
/// smallest first, and as many of candidates): an insertion network from the last slot down.
/// Where the new distance is smaller than the one before, that one moves up; where it lies
/// between, it goes in (after any equal: ties stay ahead). It ends where no list moves any more.
/// Lanes whose distance is not smaller than their last come out unchanged, however long the
/// others go on.
@inline(__always)
func insert(_ sum: Vec, candidate: IntVec, distances list: UnsafeMutablePointer<Float>,
            candidates listIndex: UnsafeMutablePointer<Int32>, slots: Int) {
    var j = slots - 1
    var kept = load(list + j * lanes)
    guard anyLane(sum .< kept) else { return }
    var keptIndex = load(listIndex + j * lanes)
    while true {
        // Above the first slot nothing moves up (-infinity).
        let first = j == 0
        let before = first ? Vec(repeating: -.infinity) : load(list + (j - 1) * lanes)
        let beforeIndex = first ? keptIndex : load(listIndex + (j - 1) * lanes)
        let movesUp = sum .< before
        // min(kept, max(before, sum)), as compares and blends (the generic pointwiseMin is a call).
        let between = before.replacing(with: sum, where: sum .> before)
        store(kept.replacing(with: between, where: between .< kept), list + j * lanes)
        let index = keptIndex.replacing(with: candidate, where: sum .< kept).replacing(with: beforeIndex, where: movesUp)
        store(index, listIndex + j * lanes)
        guard !first && anyLane(movesUp) else { break }
        (kept, keptIndex) = (before, beforeIndex)
        j -= 1
    }
}

/// Four pixels' worth of three vectors of features: the register block of the first layer.
typealias Block = (Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec, Vec)

extension Suite {
    public static func winogradInputTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                                              into v: UnsafeMutablePointer<Float>) {
        let channels = map.channels, rs = map.rowStride
        for j in 0..<n {
            let top = map.pointer(4 * r - 1, 4 * (t0 + j) - 1)
            for g in stride(from: 0, to: channels, by: lanes) {
                // Rows first: each of the six patch rows gives six transformed columns.
                @inline(__always) func row(_ dy: Int) -> Six {
                    let p = top + dy * rs + g
                    return inputTransform6((load(p), load(p + channels), load(p + 2 * channels),
                                            load(p + 3 * channels), load(p + 4 * channels), load(p + 5 * channels)))
                }
                let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5)
                let dst = v + j * winogradPoints * channels + g
                @inline(__always) func column(_ k: Int, _ x: Six) {
                    let out = inputTransform6(x)
                    let p = dst + k * channels
                    store(out.0, p); store(out.1, p + 6 * channels); store(out.2, p + 12 * channels)
                    store(out.3, p + 18 * channels); store(out.4, p + 24 * channels); store(out.5, p + 30 * channels)
                }
                column(0, (r0.0, r1.0, r2.0, r3.0, r4.0, r5.0))
                column(1, (r0.1, r1.1, r2.1, r3.1, r4.1, r5.1))
                column(2, (r0.2, r1.2, r2.2, r3.2, r4.2, r5.2))
                column(3, (r0.3, r1.3, r2.3, r3.3, r4.3, r5.3))
                column(4, (r0.4, r1.4, r2.4, r3.4, r4.4, r5.4))
                column(5, (r0.5, r1.5, r2.5, r3.5, r4.5, r5.5))
            }
        }
    }

    public static func winogradGradientTransform(_ map: FeatureMap, tileRow r: Int, firstTile t0: Int, count n: Int,
                                                 into m: UnsafeMutablePointer<Float>, biasSums: UnsafeMutablePointer<Float>) {
        let channels = map.channels, rs = map.rowStride
        for j in 0..<n {
            let top = map.pointer(4 * r, 4 * (t0 + j))
            for g in stride(from: 0, to: channels, by: lanes) {
                var total = Vec()
                @inline(__always) func row(_ dy: Int) -> Six {
                    let p = top + dy * rs + g
                    let y = (load(p), load(p + channels), load(p + 2 * channels), load(p + 3 * channels))
                    total += (y.0 + y.1) + (y.2 + y.3)
                    return gradientTransform4(y)
                }
                let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
                store(load(biasSums + g) + total, biasSums + g)
                let dst = m + j * winogradPoints * channels + g
                @inline(__always) func column(_ k: Int, _ x: (Vec, Vec, Vec, Vec)) {
                    let out = gradientTransform4(x)
                    let p = dst + k * channels
                    store(out.0, p); store(out.1, p + 6 * channels); store(out.2, p + 12 * channels)
                    store(out.3, p + 18 * channels); store(out.4, p + 24 * channels); store(out.5, p + 30 * channels)
                }
                column(0, (r0.0, r1.0, r2.0, r3.0))
                column(1, (r0.1, r1.1, r2.1, r3.1))
                column(2, (r0.2, r1.2, r2.2, r3.2))
                column(3, (r0.3, r1.3, r2.3, r3.3))
                column(4, (r0.4, r1.4, r2.4, r3.4))
                column(5, (r0.5, r1.5, r2.5, r3.5))
            }
        }
    }

    public static func winogradOutputTransform(_ m: UnsafeMutablePointer<Float>, into map: FeatureMap,
                                               tileRow r: Int, firstTile t0: Int, count n: Int, epilogue: FeatureEpilogue) {
        switch epilogue {
        case .biasLeakyReLU(let bias, let slope):
            outputTransformTiles(m, map, tileRow: r, firstTile: t0, count: n) { value, y, x, g in
                let v = value + load(bias + g)
                store(v.replacing(with: v * slope, where: v .< 0), map.pointer(y, x) + g)
            }
        case .leakyReLUDerivative(let activation, let slope):
            outputTransformTiles(m, map, tileRow: r, firstTile: t0, count: n) { value, y, x, g in
                store(value * leakyFactor(load(activation.pointer(y, x) + g), slope: slope), map.pointer(y, x) + g)
            }
        }
    }

    public static func winogradProducts(v: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
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
                    gemmBlock(vx + t * points * inChannels, aK: 1, aR: points * inChannels, ux + o, bK: outChannels,
                              depth: inChannels, mx + t * points * outChannels + o, cR: points * outChannels, accumulate: false)
                    o += 3 * lanes
                }
                t += 4
            }
        }
    }

    public static func winogradWeightProducts(dm: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
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
                    gemmBlock(mx + o, aK: points * outChannels, aR: 1, vx + i, bK: points * inChannels, depth: tiles,
                              ux + o * inChannels + i, cR: inChannels, accumulate: true)
                    i += 3 * lanes
                }
                o += 4
            }
        }
    }

    // MARK: the first layer, image planes to a feature map (3x3, few input channels)

    /// out[y][x][o] = leakyReLU(bias[o] + sum over taps q = (c, ky, kx) of w[q][o] *
    /// image[c][y + ky - 1][x + kx - 1]), four pixels by three vectors of features at a time (one
    /// block of 48 features at sixteen lanes, two of 24 at eight). `w` is packed [tap][features].
    /// The pixels past the row's end are computed from the border and the slack and not stored.
    public static func imageConvRow(_ image: Tensor, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, slope: Float,
                                    _ out: FeatureMap, y: Int) {
        let taps = image.channels * 9, features = out.channels, l = lanes
        // Loop variables as constants: nested functions capturing a `var` would box it on the heap.
        for x in stride(from: 0, to: out.width, by: 4) {
            for f in stride(from: 0, to: features, by: 3 * l) {
                let w0 = load(bias + f), w1 = load(bias + f + l), w2 = load(bias + f + 2 * l)
                var a: Block = (w0, w1, w2, w0, w1, w2, w0, w1, w2, w0, w1, w2)
                var pw = w + f
                for q in 0..<taps {
                    let c = q / 9, k = q % 9
                    let src = image.pointer(c, y + k / 3 - 1, x + k % 3 - 1)
                    let v0 = load(pw), v1 = load(pw + l), v2 = load(pw + 2 * l)
                    var s = Vec(repeating: src[0])
                    a.0 = fmadd(a.0, s, v0); a.1 = fmadd(a.1, s, v1); a.2 = fmadd(a.2, s, v2)
                    s = Vec(repeating: src[1])
                    a.3 = fmadd(a.3, s, v0); a.4 = fmadd(a.4, s, v1); a.5 = fmadd(a.5, s, v2)
                    s = Vec(repeating: src[2])
                    a.6 = fmadd(a.6, s, v0); a.7 = fmadd(a.7, s, v1); a.8 = fmadd(a.8, s, v2)
                    s = Vec(repeating: src[3])
                    a.9 = fmadd(a.9, s, v0); a.10 = fmadd(a.10, s, v1); a.11 = fmadd(a.11, s, v2)
                    pw += features
                }
                @inline(__always) func put(_ dx: Int, _ u: Vec, _ v: Vec, _ z: Vec) {
                    guard x + dx < out.width else { return }
                    @inline(__always) func act(_ v: Vec) -> Vec { v.replacing(with: v * slope, where: v .< 0) }
                    let p = out.pointer(y, x + dx) + f
                    store(act(u), p); store(act(v), p + l); store(act(z), p + 2 * l)
                }
                put(0, a.0, a.1, a.2); put(1, a.3, a.4, a.5); put(2, a.6, a.7, a.8); put(3, a.9, a.10, a.11)
            }
        }
    }

    /// sums[q][o] += sum_x grad[y][x][o] * image[c][y + ky - 1][x + kx - 1] for every tap q =
    /// (c, ky, kx), four taps by three vectors of features at a time; sums[taps][o] += sum_x
    /// grad[y][x][o] (the bias).
    public static func imageConvWeightRow(_ image: Tensor, _ grad: FeatureMap, y: Int, into sums: UnsafeMutablePointer<Float>) {
        let taps = image.channels * 9, width = grad.width, features = grad.channels, l = lanes
        for f in stride(from: 0, to: features, by: 3 * l) {
            for q in stride(from: 0, to: taps, by: 4) {
                // The last tap stands in for those past the end; their sums are not stored.
                @inline(__always) func source(_ k: Int) -> UnsafeMutablePointer<Float> {
                    let t = min(q + k, taps - 1)
                    return image.pointer(t / 9, y + (t % 9) / 3 - 1, (t % 9) % 3 - 1)
                }
                let src0 = source(0), src1 = source(1), src2 = source(2), src3 = source(3)
                var a: Block = (Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec(), Vec())
                var g = grad.pointer(y, 0) + f
                for x in 0..<width {
                    let g0 = load(g), g1 = load(g + l), g2 = load(g + 2 * l)
                    var s = Vec(repeating: src0[x])
                    a.0 = fmadd(a.0, s, g0); a.1 = fmadd(a.1, s, g1); a.2 = fmadd(a.2, s, g2)
                    s = Vec(repeating: src1[x])
                    a.3 = fmadd(a.3, s, g0); a.4 = fmadd(a.4, s, g1); a.5 = fmadd(a.5, s, g2)
                    s = Vec(repeating: src2[x])
                    a.6 = fmadd(a.6, s, g0); a.7 = fmadd(a.7, s, g1); a.8 = fmadd(a.8, s, g2)
                    s = Vec(repeating: src3[x])
                    a.9 = fmadd(a.9, s, g0); a.10 = fmadd(a.10, s, g1); a.11 = fmadd(a.11, s, g2)
                    g += features
                }
                @inline(__always) func add(_ k: Int, _ u: Vec, _ v: Vec, _ z: Vec) {
                    guard q + k < taps else { return }
                    let p = sums + (q + k) * features + f
                    store(load(p) + u, p); store(load(p + l) + v, p + l); store(load(p + 2 * l) + z, p + 2 * l)
                }
                add(0, a.0, a.1, a.2); add(1, a.3, a.4, a.5); add(2, a.6, a.7, a.8); add(3, a.9, a.10, a.11)
            }
        }
        let sb = sums + taps * features
        var c = 0
        while c < features {
            var total = load(sb + c)
            var g = grad.pointer(y, 0) + c
            for _ in 0..<width {
                total += load(g)
                g += features
            }
            store(total, sb + c)
            c += l
        }
    }

    // MARK: the last layer, a feature map to image planes (1x1, 48 -> 1..3)

    /// out[c][y][x] = bias[c] + sum_i w[c][i] * features[y][x][i] for one row. The lanes are
    /// added as a tree (`horizontalSum`): `SIMD.sum()` adds them one after the other.
    public static func featureProjectRow(_ features: FeatureMap, _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                                         _ out: Tensor, y: Int) {
        let cin = features.channels, cout = out.channels
        for x in 0..<out.width {
            let f = features.pointer(y, x)
            for c in 0..<cout {
                let wc = w + c * cin
                var acc = Vec()
                var i = 0
                while i < cin { acc = fmadd(acc, load(f + i), load(wc + i)); i += lanes }
                out.pointer(c, y, x).pointee = bias[c] + horizontalSum(acc)
            }
        }
    }

    /// grad[y][x][i] = (sum_c w[c][i] * gradOut[c][y][x]) * leakyReLU'(activation[y][x][i]) for one row.
    public static func featureProjectBackwardRow(_ gradOut: Tensor, _ w: UnsafePointer<Float>, _ grad: FeatureMap,
                                                 activation: FeatureMap, slope: Float, y: Int) {
        let cin = grad.channels, cout = gradOut.channels
        for x in 0..<grad.width {
            let dst = grad.pointer(y, x), act = activation.pointer(y, x)
            var i = 0
            while i < cin {
                var v = Vec()
                for c in 0..<cout { v = fmadd(v, Vec(repeating: gradOut.pointer(c, y, x).pointee), load(w + c * cin + i)) }
                store(v * leakyFactor(load(act + i), slope: slope), dst + i)
                i += lanes
            }
        }
    }

    /// sums[c][i] += sum_x gradOut[c][y][x] * features[y][x][i], sums[c][cin] += sum_x gradOut[c][y][x].
    /// Three vectors of features at a time: a single chain of FMAs would wait on each one's latency.
    /// Each sum still runs along x in order.
    public static func featureProjectWeightRow(_ features: FeatureMap, _ gradOut: Tensor, y: Int,
                                               into sums: UnsafeMutablePointer<Float>) {
        let cin = features.channels, rowLength = cin + 1, l = lanes
        for c in 0..<gradOut.channels {
            let g = gradOut.pointer(c, y, 0)
            let s = sums + c * rowLength
            for i in stride(from: 0, to: cin, by: 3 * l) {
                var a0 = Vec(), a1 = Vec(), a2 = Vec()
                var f = features.pointer(y, 0) + i
                for x in 0..<features.width {
                    let gx = Vec(repeating: g[x])
                    a0 = fmadd(a0, gx, load(f)); a1 = fmadd(a1, gx, load(f + l)); a2 = fmadd(a2, gx, load(f + 2 * l))
                    f += cin
                }
                store(load(s + i) + a0, s + i); store(load(s + i + l) + a1, s + i + l)
                store(load(s + i + 2 * l) + a2, s + i + 2 * l)
            }
            var total: Float = 0
            for x in 0..<features.width { total += g[x] }
            s[cin] += total
        }
    }

    // MARK: the patch search (the pixel bank's), one candidate over one tile

    public static func patchSearchCandidate(_ tile: PatchSearchTile, candidate: Int, shift: Int) {
        let layout = tile.layout
        precondition(layout.lanes == lanes, "a patch search tile laid out for \(layout.lanes) lanes, not \(lanes)")
        // One and three channels as constants, so that their copies of the loop have no channel loop
        // left (a loop over a count read from memory cost a fifth of the search).
        switch layout.channels {
        case 3: patchRowSums(tile, channels: 3, shift: shift)
        case 1: patchRowSums(tile, channels: 1, shift: shift)
        default: patchRowSums(tile, channels: layout.channels, shift: shift)
        }
        insertPatchDistances(tile, candidate: IntVec(repeating: Int32(truncatingIfNeeded: candidate)))
    }

    // MARK: the FMA peak

    /// Twelve independent chains of vector FMAs (more than latency times pipes on any of our
    /// CPUs), nothing else in the loop but the counter.
    public static func fmaPeak(rounds: Int) -> Float {
        let m = Vec(repeating: 0.999_999), e = Vec(repeating: 1e-7)
        var a: Block = (Vec(repeating: 1), Vec(repeating: 2), Vec(repeating: 3), Vec(repeating: 4), Vec(repeating: 5),
                        Vec(repeating: 6), Vec(repeating: 7), Vec(repeating: 8), Vec(repeating: 9), Vec(repeating: 10),
                        Vec(repeating: 11), Vec(repeating: 12))
        for _ in 0..<rounds {
            a.0 = fmadd(e, a.0, m); a.1 = fmadd(e, a.1, m); a.2 = fmadd(e, a.2, m); a.3 = fmadd(e, a.3, m)
            a.4 = fmadd(e, a.4, m); a.5 = fmadd(e, a.5, m); a.6 = fmadd(e, a.6, m); a.7 = fmadd(e, a.7, m)
            a.8 = fmadd(e, a.8, m); a.9 = fmadd(e, a.9, m); a.10 = fmadd(e, a.10, m); a.11 = fmadd(e, a.11, m)
        }
        let s = ((a.0 + a.1) + (a.2 + a.3)) + ((a.4 + a.5) + (a.6 + a.7)) + ((a.8 + a.9) + (a.10 + a.11))
        return s.sum()
    }
}
