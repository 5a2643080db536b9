import Engine

/// For every pixel of a region of a noisy image, the K pixels of the image most like it: the pixel
/// itself first, then the K-1 whose surrounding patches differ least from its own (non-local
/// self-similarity, as in Pixel2Pixel and ZS-HPD). Two images drawn pixel by pixel from these
/// banks show the same scene with noise that is nearly independent, at full resolution: what the
/// pixel-bank method trains on.
///
/// Candidates lie on a lattice of step `stride` around the pixel (offsets (stride i, stride j),
/// |i|, |j| <= max(3, round(radius / stride)), (0, 0) left out): the noise's reach, measured on
/// the image (`NoiseCorrelation.reach`), so that no candidate carries the pixel's own noise. The
/// distance is the sum of squared differences over a `patch` x `patch` window in every channel,
/// the image reflected at its borders; with `excludeCentre` and correlated noise (stride > 1) the
/// centre (2 stride - 1)^2 of the window is left out, since there the noise of the two windows is
/// correlated with that of their centres. Ties go to the earlier candidate, so a bank is the same on every machine.
///
/// Memory: two bytes per member and pixel (the candidate's index), so a bank of 12 members costs
/// 24 bytes a pixel.
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
    public let patch: Int
    /// Candidate offsets; index 0 is the pixel itself.
    public let offsets: [Offset]
    /// members[(m * height + y) * width + x]: the candidate index of member m of pixel (y, x).
    let members: [UInt16]

    public static let defaultSize = 12
    public static let defaultPatch = 7
    public static let defaultRadius = 10

    /// The candidate offsets for `stride` and `radius`, (0, 0) first.
    public static func candidates(stride: Int, radius: Int) -> [Offset] {
        let m = max(3, Int((Double(radius) / Double(stride)).rounded()))
        var list = [Offset(dy: 0, dx: 0)]
        for i in -m...m {
            for j in -m...m where i != 0 || j != 0 { list.append(Offset(dy: stride * i, dx: stride * j)) }
        }
        return list
    }

    /// Builds the bank of the region (top, left, height, width) of the planar image `pixels`.
    public init(pixels: [Float], channels: Int, imageHeight: Int, imageWidth: Int,
                region: (top: Int, left: Int, height: Int, width: Int)? = nil,
                stride: Int, size: Int = defaultSize, patch: Int = defaultPatch, radius: Int = defaultRadius,
                excludeCentre: Bool, parallel: Parallel) {
        precondition(pixels.count == channels * imageHeight * imageWidth && stride >= 1 && size >= 2 && patch % 2 == 1)
        let region = region ?? (0, 0, imageHeight, imageWidth)
        self.channels = channels
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        (top, left, height, width) = region
        self.stride = stride
        self.offsets = PixelBank.candidates(stride: stride, radius: radius)
        precondition(offsets.count <= Int(UInt16.max), "candidate indices are 16-bit")
        self.size = min(size, offsets.count)
        // With correlated noise the window's centre may be left out; the window then keeps a ring
        // two pixels wide around it.
        let excluded = excludeCentre && stride > 1 ? 2 * stride - 1 : 0
        self.patch = excluded > 0 ? max(patch, 2 * stride + 3) : patch
        members = PixelBank.search(pixels, channels: channels, imageHeight: imageHeight, imageWidth: imageWidth,
                                   region: region, offsets: offsets, keep: self.size, patch: self.patch,
                                   excluded: excluded, parallel: parallel)
    }

    /// The image row or column `i` reflected into 0..<n (as numpy's and PyTorch's "reflect").
    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
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

    /// The search, tile by tile (each tile independent, so the split does not change the result).
    static func search(_ pixels: [Float], channels: Int, imageHeight: Int, imageWidth: Int,
                       region: (top: Int, left: Int, height: Int, width: Int), offsets: [Offset], keep: Int,
                       patch: Int, excluded: Int, parallel: Parallel) -> [UInt16] {
        let (top, left, height, width) = region
        let tile = 32, half = patch / 2, inner = excluded / 2
        let tilesY = (height + tile - 1) / tile, tilesX = (width + tile - 1) / tile
        var members = [UInt16](repeating: 0, count: keep * height * width)
        members.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            pixels.withUnsafeBufferPointer { image in
                let image = image.baseAddress!
                parallel.forEachPart(tilesY * tilesX) { _, t in
                    let ty = t / tilesX * tile, tx = t % tilesX * tile
                    let th = min(tile, height - ty), tw = min(tile, width - tx)
                    // Squared differences over the tile and the window's halo, then box sums.
                    let ph = th + 2 * half, pw = tw + 2 * half
                    var d2 = [Float](repeating: 0, count: ph * pw)
                    var rows = [Float](repeating: 0, count: ph * tw)
                    var best = [Float](repeating: .infinity, count: th * tw * (keep - 1))
                    var bestIndex = [UInt16](repeating: 0, count: th * tw * (keep - 1))
                    for (index, o) in offsets.enumerated() where index > 0 {
                        for py in 0..<ph {
                            let y = reflect(top + ty + py - half, imageHeight), ys = reflect(top + ty + py - half + o.dy, imageHeight)
                            for px in 0..<pw {
                                let x = reflect(left + tx + px - half, imageWidth), xs = reflect(left + tx + px - half + o.dx, imageWidth)
                                var sum: Float = 0
                                for c in 0..<channels {
                                    let plane = c * imageHeight * imageWidth
                                    let d = image[plane + y * imageWidth + x] - image[plane + ys * imageWidth + xs]
                                    sum += d * d
                                }
                                d2[py * pw + px] = sum
                            }
                        }
                        // Horizontal window sums, then vertical: the patch distance of every pixel.
                        for py in 0..<ph {
                            for x in 0..<tw {
                                var s: Float = 0
                                for k in 0..<patch { s += d2[py * pw + x + k] }
                                rows[py * tw + x] = s
                            }
                        }
                        for y in 0..<th {
                            for x in 0..<tw {
                                var s: Float = 0
                                for k in 0..<patch { s += rows[(y + k) * tw + x] }
                                if excluded > 0 {
                                    for cy in (half - inner)...(half + inner) {
                                        for cx in (half - inner)...(half + inner) { s -= d2[(y + cy) * pw + x + cx] }
                                    }
                                }
                                // Keep the keep-1 smallest, in order (insertion into a short list).
                                let base = (y * tw + x) * (keep - 1)
                                var slot = keep - 1
                                while slot > 0 && s < best[base + slot - 1] { slot -= 1 }
                                guard slot < keep - 1 else { continue }
                                var k = keep - 2
                                while k > slot {
                                    best[base + k] = best[base + k - 1]
                                    bestIndex[base + k] = bestIndex[base + k - 1]
                                    k -= 1
                                }
                                best[base + slot] = s
                                bestIndex[base + slot] = UInt16(index)
                            }
                        }
                    }
                    for y in 0..<th {
                        for x in 0..<tw {
                            let pixel = (ty + y) * width + tx + x
                            out[pixel] = 0  // member 0: the pixel itself
                            for m in 1..<keep { out[m * height * width + pixel] = bestIndex[(y * tw + x) * (keep - 1) + m - 1] }
                        }
                    }
                }
            }
        }
        return members
    }
}
