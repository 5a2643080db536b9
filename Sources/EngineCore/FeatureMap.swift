/// Hidden activations: `channels` values per pixel, stored pixel after pixel with the channels
/// adjacent (NHWC), inside a zero border one pixel wide. When a side is not a multiple of four,
/// zero rows or columns follow it up to the next multiple, so that the Winograd convolution's 4x4
/// tiles cover the map exactly.
///
/// Channels adjacent is what the convolutions want: every transform and matrix product then reads
/// eight channels with one vector load. The border is never written; it stands for zero padding.
public final class FeatureMap: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Floats from one row to the next.
    public let rowStride: Int
    /// Rows stored, borders included.
    public let storedRows: Int
    /// The first float of the top-left border pixel.
    public let base: UnsafeMutablePointer<Float>
    private let allocation: UnsafeMutableRawPointer

    static let slack = 64

    public init(channels: Int, height: Int, width: Int) {
        precondition(channels > 0 && channels % 8 == 0, "feature maps hold channels in multiples of 8")
        precondition(height > 0 && width > 0)
        self.channels = channels
        self.height = height
        self.width = width
        rowStride = FeatureMap.rowStride(channels: channels, width: width)
        storedRows = FeatureMap.storedRows(height: height)
        let bytes = FeatureMap.memory("map", channels: channels, height: height, width: width).totalBytes
        allocation = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        allocation.initializeMemory(as: Float.self, repeating: 0, count: bytes / 4)
        base = allocation.assumingMemoryBound(to: Float.self) + FeatureMap.slack
    }

    private static func rowStride(channels: Int, width: Int) -> Int { ((width + 3) / 4 * 4 + 2) * channels }
    private static func storedRows(height: Int) -> Int { (height + 3) / 4 * 4 + 2 }

    /// What a map of this shape allocates, as the buffer `name`: its rows rounded up to the 4x4
    /// grid, the border and the slack.
    public static func memory(_ name: String, channels: Int, height: Int, width: Int) -> MemoryPlan {
        MemoryPlan(name, bytes: (rowStride(channels: channels, width: width) * storedRows(height: height) + 2 * slack)
                   * MemoryLayout<Float>.size)
    }

    deinit { allocation.deallocate() }

    /// The channels of pixel (x, y), interior coordinates (-1 reaches the border).
    @inlinable @inline(__always)
    public func pointer(_ y: Int, _ x: Int) -> UnsafeMutablePointer<Float> {
        base + (y + 1) * rowStride + (x + 1) * channels
    }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pointer(y, x)[c] }
        set { pointer(y, x)[c] = newValue }
    }

    public func hasSameShape(as other: FeatureMap) -> Bool {
        channels == other.channels && height == other.height && width == other.width
    }

    /// Interior values in planar order (channel, row, column), for tests and inspection.
    public func toPlanar() -> [Float] {
        var out = [Float](repeating: 0, count: channels * height * width)
        for y in 0..<height {
            for x in 0..<width {
                let p = pointer(y, x)
                for c in 0..<channels { out[(c * height + y) * width + x] = p[c] }
            }
        }
        return out
    }

    /// Sets the interior from planar values (channel, row, column).
    public func load(planar values: [Float]) {
        precondition(values.count == channels * height * width)
        for y in 0..<height {
            for x in 0..<width {
                let p = pointer(y, x)
                for c in 0..<channels { p[c] = values[(c * height + y) * width + x] }
            }
        }
    }
}
