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

    /// The members of a bank on the lattice of `stride` asked for `requested`: as many as there are
    /// candidates, at most.
    public static func size(stride: Int, requested: Int = defaultSize) -> Int {
        min(requested, candidates(stride: stride).count)
    }
    /// The side of the patches compared.
    public static let patch = PatchSearchLayout.window
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
        self.size = PixelBank.size(stride: stride, requested: size)
        (members, distances, brightness) = PixelBank.search(pixels, channels: channels, imageHeight: imageHeight,
                                                             imageWidth: imageWidth, region: region, offsets: offsets,
                                                             keep: self.size, parallel: parallel)
    }

    /// What a bank of `size` members over `pixels` pixels holds: its members, and until `accept`
    /// also each member's distance but the first's and each pixel's brightness (`building`).
    public static func memory(pixels: Int, size: Int) -> (building: MemoryPlan, kept: MemoryPlan) {
        let members = MemoryPlan("bank members", bytes: size * pixels * MemoryLayout<UInt16>.size)
        return (members + MemoryPlan("bank distances and brightness", bytes: size * pixels * MemoryLayout<Float>.size), members)
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
}
