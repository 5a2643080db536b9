import Engine

/// For every pixel of a region of a noisy image, the K pixels of the image most like it: the pixel
/// itself first, then the K-1 whose surrounding patches differ least from its own (non-local
/// self-similarity, as in Pixel2Pixel and ZS-HPD). Two images drawn pixel by pixel from these
/// banks show the same scene with noise that is nearly independent, at full resolution: what the
/// pixel-bank method trains on, and what it averages over when it denoises.
///
/// Candidates lie on a lattice of step `stride` around the pixel (offsets (stride i, stride j),
/// |i|, |j| <= max(4, round(12 / stride)), (0, 0) left out): the noise's reach, measured on the
/// image (`NoiseCorrelation`), so that any two members are far enough apart for their noise to be
/// independent. The distance is the sum of squared differences over a 7x7 window in every channel,
/// the image reflected at its borders. Ties go to the earlier (nearer) candidate, so a bank is the
/// same on every machine.
///
/// A match is kept only when its distance is within `Acceptance` (tau times the typical best-match
/// distance at the pixel's brightness); otherwise that member is the pixel itself. On a textured,
/// lightly noisy photo a coarse lattice often has no good match, and pairing a pixel with a poor
/// one teaches the network to blur; pairing it with itself teaches it to leave the pixel alone.
///
/// Memory: two bytes per member and pixel (the candidate's index), so a bank of 12 members costs
/// 24 bytes a pixel; while it is built, also its K-1 distances and its brightness (48 bytes).
public struct PixelBank: Sendable {
    public struct Offset: Sendable, Equatable {
        public var dy: Int
        public var dx: Int
    }

    public let channels: Int
    /// The image's size, for the reflection at its borders.
    public let imageHeight: Int
    public let imageWidth: Int
    /// The region the bank covers, in image coordinates.
    public let top: Int
    public let left: Int
    public let height: Int
    public let width: Int
    /// Members per pixel, the pixel itself first.
    public let size: Int
    public let stride: Int
    /// Candidate offsets; index 0 is the pixel itself.
    public let offsets: [Offset]
    /// members[(m * height + y) * width + x]: the candidate index of member m of pixel (y, x).
    private(set) var members: [UInt16]
    /// While the bank is not yet accepted: the distance of each member but the first, in the same
    /// layout (member m at (m - 1)), and each pixel's brightness (7x7 mean of the channel mean).
    private(set) var distances: [Float]
    private(set) var brightness: [Float]

    public static let defaultSize = 12
    public static let patch = 7
    public static let radius = 12
    public static let minimumSteps = 4

    /// The candidate offsets for `stride`, (0, 0) first, then nearest first (ties in row order):
    /// near candidates tend to match best, so the search's short lists fill with good matches early
    /// and most later candidates end at one comparison.
    public static func candidates(stride: Int) -> [Offset] {
        let m = max(minimumSteps, Int((Double(radius) / Double(stride)).rounded()))
        var list = [Offset]()
        for i in -m...m {
            for j in -m...m where i != 0 || j != 0 { list.append(Offset(dy: stride * i, dx: stride * j)) }
        }
        list.sort { ($0.dy * $0.dy + $0.dx * $0.dx, $0.dy, $0.dx) < ($1.dy * $1.dy + $1.dx * $1.dx, $1.dy, $1.dx) }
        return [Offset(dy: 0, dx: 0)] + list
    }

    /// Searches the bank of the region (top, left, height, width) of the planar image `pixels`;
    /// `accept` then decides which matches it keeps.
    public init(pixels: [Float], channels: Int, imageHeight: Int, imageWidth: Int,
                region: (top: Int, left: Int, height: Int, width: Int)? = nil,
                stride: Int, size: Int = defaultSize, parallel: Parallel) {
        precondition(pixels.count == channels * imageHeight * imageWidth && stride >= 1 && size >= 2)
        let region = region ?? (0, 0, imageHeight, imageWidth)
        self.channels = channels
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        (top, left, height, width) = region
        self.stride = stride
        offsets = PixelBank.candidates(stride: stride)
        precondition(offsets.count <= Int(UInt16.max), "candidate indices are 16-bit")
        self.size = min(size, offsets.count)
        (members, distances, brightness) = PixelBank.search(pixels, channels: channels, imageHeight: imageHeight,
                                                             imageWidth: imageWidth, region: region, offsets: offsets,
                                                             keep: self.size, parallel: parallel)
    }

    /// The bytes of a bank of `size` members over `pixels` pixels, while it is built and after.
    public static func byteCount(pixels: Int, size: Int) -> (building: Int, kept: Int) {
        let kept = size * pixels * MemoryLayout<UInt16>.size
        return (kept + (size - 1 + 1) * pixels * MemoryLayout<Float>.size, kept)
    }

    /// Keeps the matches `acceptance` accepts (the others become the pixel itself) and drops the
    /// distances.
    public mutating func accept(_ acceptance: Acceptance, parallel: Parallel = Parallel(threads: 1)) {
        precondition(!distances.isEmpty, "a bank is accepted once")
        let plane = height * width, size = size
        distances.withUnsafeBufferPointer { distances in
            brightness.withUnsafeBufferPointer { brightness in
                members.withUnsafeMutableBufferPointer { members in
                    let (distances, brightness, members) = (distances.baseAddress!, brightness.baseAddress!, members.baseAddress!)
                    // Pixels are independent: any split gives the same bank.
                    parallel.forEachRange(plane, minimumPerThread: 4096) { pixels in
                        for p in pixels {
                            let limit = acceptance.limit(brightness: brightness[p])
                            for m in 1..<size where distances[(m - 1) * plane + p] > limit { members[m * plane + p] = 0 }
                        }
                    }
                }
            }
        }
        distances = []
        brightness = []
    }

    /// The image row or column `i` reflected into 0..<n (numpy's and PyTorch's "reflect").
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }  // nearly always: no division
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        var k = i % period
        if k < 0 { k += period }
        return k < n ? k : period - k
    }

    /// Where member `m` of region pixel (y, x) lies in the image.
    @inline(__always)
    public func source(_ m: Int, y: Int, x: Int) -> (y: Int, x: Int) {
        let o = offsets[Int(members[(m * height + y) * width + x])]
        return (PixelBank.reflect(top + y + o.dy, imageHeight), PixelBank.reflect(left + x + o.dx, imageWidth))
    }

    /// The fraction of matches kept (for the sidecar): 1 when every member is a real match.
    public var keptFraction: Double {
        let plane = height * width
        guard plane > 0, size > 1 else { return 0 }
        var kept = 0
        for m in 1..<size { for p in 0..<plane where members[m * plane + p] != 0 { kept += 1 } }
        return Double(kept) / Double((size - 1) * plane)
    }

    /// The search, tile by tile (each tile independent, so the split does not change the result):
    /// each tile copies its neighbourhood, reflected, once; then, per candidate, the squared
    /// differences, their 7-wide row sums, their 7-high column sums (a running sum down each
    /// column), and an insertion into each pixel's short list of the best. Eight pixels of a row at
    /// a time: the tile's rows are padded to a multiple of eight, the padding's lanes never kept.
    static func search(_ pixels: [Float], channels: Int, imageHeight: Int, imageWidth: Int,
                       region: (top: Int, left: Int, height: Int, width: Int), offsets: [Offset], keep: Int,
                       parallel: Parallel) -> (members: [UInt16], distances: [Float], brightness: [Float]) {
        let (top, left, height, width) = region
        let tile = 48, half = patch / 2
        let reach = offsets.reduce(0) { max($0, abs($1.dy), abs($1.dx)) }
        let tilesY = (height + tile - 1) / tile, tilesX = (width + tile - 1) / tile
        let plane = height * width
        var members = [UInt16](repeating: 0, count: keep * plane)
        var distances = [Float](repeating: .infinity, count: (keep - 1) * plane)
        var brightness = [Float](repeating: 0, count: plane)
        members.withUnsafeMutableBufferPointer { membersOut in
            distances.withUnsafeMutableBufferPointer { distancesOut in
                brightness.withUnsafeMutableBufferPointer { brightnessOut in
                    pixels.withUnsafeBufferPointer { image in
                        let membersOut = membersOut.baseAddress!, distancesOut = distancesOut.baseAddress!
                        let brightnessOut = brightnessOut.baseAddress!, image = image.baseAddress!
                        parallel.forEachPart(tilesY * tilesX) { _, t in
                            let ty = t / tilesX * tile, tx = t % tilesX * tile
                            let th = min(tile, height - ty), tw = min(tile, width - tx)
                            let lanes = Lane.scalarCount
                            let rowWidth = (tw + lanes - 1) / lanes * lanes
                            // The tile's neighbourhood: every pixel any window of any candidate reads,
                            // and a vector's width beyond (the padding).
                            let margin = reach + half
                            let nh = th + 2 * margin, nw = rowWidth + 2 * reach + 2 * half + lanes
                            let local = UnsafeMutablePointer<Float>.allocate(capacity: channels * nh * nw)
                            defer { local.deallocate() }
                            for c in 0..<channels {
                                for y in 0..<nh {
                                    let sy = reflect(top + ty + y - margin, imageHeight)
                                    let row = image + (c * imageHeight + sy) * imageWidth
                                    for x in 0..<nw { local[(c * nh + y) * nw + x] = row[reflect(left + tx + x - margin, imageWidth)] }
                                }
                            }
                            // d2[py][px]: the squared difference at pixel (py - half, px - half) of the tile.
                            let ph = th + 2 * half, d2Width = rowWidth + lanes
                            let d2 = UnsafeMutablePointer<Float>.allocate(capacity: ph * d2Width)
                            let rows = UnsafeMutablePointer<Float>.allocate(capacity: ph * rowWidth)
                            // Each pixel's short list, the keep-1 best in order, eight pixels at a time:
                            // slot j of the eight pixels of a row is one vector (and their candidates'
                            // indices another), so that the eight insert at once.
                            let chunks = rowWidth / lanes, slots = keep - 1
                            let best = UnsafeMutablePointer<Float>.allocate(capacity: th * rowWidth * slots)
                            let bestIndex = UnsafeMutablePointer<Int32>.allocate(capacity: th * rowWidth * slots)
                            defer { d2.deallocate(); rows.deallocate(); best.deallocate(); bestIndex.deallocate() }
                            // Lists start empty (+infinity); the padding's lanes are full (-infinity), so
                            // nothing ever comes out better there.
                            let lastChunkPixels = Int32(tw - (chunks - 1) * lanes)
                            let padding = Lane(repeating: .infinity).replacing(with: -.infinity,
                                where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8(repeating: lastChunkPixels))
                            for y in 0..<th {
                                for chunk in 0..<chunks {
                                    let list = best + (y * chunks + chunk) * slots * lanes
                                    for j in 0..<slots { Lane.store(chunk == chunks - 1 ? padding : Lane(repeating: .infinity), list + j * lanes) }
                                }
                            }
                            bestIndex.initialize(repeating: 0, count: th * rowWidth * slots)
                            for (index, o) in offsets.enumerated() where index > 0 {
                                for py in 0..<ph {
                                    let out = d2 + py * d2Width
                                    // The first channel's row of the window, the others a plane apart, and the
                                    // candidate's `shift` away, from pointers taken once per row; one and three
                                    // channels as constants, so that their copies of the loop have no channel loop
                                    // left (a loop over a count read from memory cost a fifth of the search).
                                    let row = local + (py + reach) * nw + reach, plane = nh * nw, shift = o.dy * nw + o.dx
                                    @inline(__always) func squaredDifferences(_ channels: Int) {
                                        for px in Swift.stride(from: 0, to: d2Width, by: lanes) {
                                            var sum = Lane()
                                            for c in 0..<channels {
                                                let p = row + c * plane + px
                                                let d = Lane.load(p) - Lane.load(p + shift)
                                                sum += d * d
                                            }
                                            Lane.store(sum, out + px)
                                        }
                                    }
                                    switch channels {
                                    case 3: squaredDifferences(3)
                                    case 1: squaredDifferences(1)
                                    default: squaredDifferences(channels)
                                    }
                                    // Row sums over the window, eight pixels at a time.
                                    let rowOut = rows + py * rowWidth
                                    for x in Swift.stride(from: 0, to: rowWidth, by: lanes) {
                                        var sum = Lane.load(out + x)
                                        for k in 1..<patch { sum += Lane.load(out + x + k) }
                                        Lane.store(sum, rowOut + x)
                                    }
                                }
                                // Column sums, running down each column, then the insertion.
                                for x in Swift.stride(from: 0, to: rowWidth, by: lanes) {
                                    var sum = Lane.load(rows + x)
                                    for k in 1..<patch { sum += Lane.load(rows + k * rowWidth + x) }
                                    for y in 0..<th {
                                        if y > 0 {
                                            sum += Lane.load(rows + (y + patch - 1) * rowWidth + x) - Lane.load(rows + (y - 1) * rowWidth + x)
                                        }
                                        let at = (y &* chunks &+ x / lanes) &* slots &* lanes
                                        let list = best + at, listIndex = bestIndex + at
                                        var kept = Lane.load(list + (slots - 1) * lanes)
                                        let better = sum .< kept
                                        guard anyLane(better) else { continue }
                                        // An insertion network from the last slot down: where the new distance
                                        // is smaller than the one before, that one moves up; where it lies
                                        // between, it goes in (after any equal: ties stay ahead). It ends where
                                        // no list moves any more. Lanes not better come out unchanged.
                                        let candidate = SIMD8<Int32>(repeating: Int32(truncatingIfNeeded: index))
                                        var j = slots - 1
                                        var keptIndex = SIMD8<Int32>.load(listIndex + j * lanes)
                                        while true {
                                            // Above the first slot nothing moves up (-infinity).
                                            let first = j == 0
                                            let before = first ? Lane(repeating: -.infinity) : Lane.load(list + (j - 1) * lanes)
                                            let beforeIndex = first ? keptIndex : SIMD8<Int32>.load(listIndex + (j - 1) * lanes)
                                            let movesUp = sum .< before
                                            // min(kept, max(before, sum)), as compares and blends (the generic pointwiseMin is a call).
                                            let between = before.replacing(with: sum, where: sum .> before)
                                            Lane.store(kept.replacing(with: between, where: between .< kept), list + j * lanes)
                                            let index = keptIndex.replacing(with: candidate, where: sum .< kept)
                                                .replacing(with: beforeIndex, where: movesUp)
                                            SIMD8<Int32>.store(index, listIndex + j * lanes)
                                            guard !first && anyLane(movesUp) else { break }
                                            (kept, keptIndex) = (before, beforeIndex)
                                            j -= 1
                                        }
                                    }
                                }
                            }
                            // Each pixel's brightness: the 7x7 mean of the channel mean.
                            for y in 0..<th {
                                for x in 0..<tw {
                                    var s: Float = 0
                                    for c in 0..<channels {
                                        for v in 0..<patch {
                                            let row = local + (c * nh + margin + y - half + v) * nw + margin + x - half
                                            for u in 0..<patch { s += row[u] }
                                        }
                                    }
                                    brightnessOut[(ty + y) * width + tx + x] = s / Float(channels * patch * patch)
                                }
                            }
                            for y in 0..<th {
                                for x in 0..<tw {
                                    let pixel = (ty + y) * width + tx + x
                                    let list = (y * chunks + x / lanes) * slots * lanes + x % lanes
                                    for m in 1..<keep {
                                        membersOut[m * plane + pixel] = UInt16(truncatingIfNeeded: bestIndex[list + (m - 1) * lanes])
                                        distancesOut[(m - 1) * plane + pixel] = best[list + (m - 1) * lanes]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (members, distances, brightness)
    }
}

/// The search's vector: eight pixels of a row (this module is compiled for AVX2).
private typealias Lane = SIMD8<Float>

/// Whether any lane of a comparison holds. The standard `any` takes the minimum of the eight lanes
/// one lane at a time (eight extractions and compares, in the search's innermost loop); halves
/// or-ed into halves take a few vector operations.
@inline(__always)
private func anyLane(_ mask: SIMDMask<SIMD8<Int32>>) -> Bool {
    let lanes = SIMD8<Int32>(repeating: 0).replacing(with: 1, where: mask)
    let four = lanes.lowHalf | lanes.highHalf, two = four.lowHalf | four.highHalf
    return (two[0] | two[1]) != 0
}

private extension SIMD {
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Scalar>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }

    @inline(__always) static func store(_ v: Self, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Self.self)
    }
}
