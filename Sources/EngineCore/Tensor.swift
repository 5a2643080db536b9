/// A float32 feature map of `channels` planes, each `height` x `width`, surrounded by a zero border
/// of `pad` pixels. The border is what lets the 3x3 convolutions run without edge tests: a padded
/// input is read as if the image continued with zeros.
///
/// Storage is one aligned block with slack before and after the planes, so vector loads that run
/// a few elements past a plane's edge stay inside memory we own and read finite zeros.
public final class Tensor: @unchecked Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let pad: Int
    /// Floats from one row to the next (width plus both borders).
    public let rowStride: Int
    /// Floats from one plane to the next.
    public let planeStride: Int
    /// The first float of plane 0 (its top-left border pixel when padded).
    public let base: UnsafeMutablePointer<Float>
    private let allocation: UnsafeMutableRawPointer

    /// Slack before and after the planes, in floats: more than any kernel reads past an edge.
    public static let slack = 64

    public init(channels: Int, height: Int, width: Int, pad: Int = 0) {
        precondition(channels > 0 && height > 0 && width > 0 && pad >= 0)
        self.channels = channels
        self.height = height
        self.width = width
        self.pad = pad
        rowStride = width + 2 * pad
        planeStride = (height + 2 * pad) * rowStride
        let bytes = Tensor.memory("tensor", channels: channels, height: height, width: width, pad: pad).totalBytes
        allocation = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        allocation.initializeMemory(as: Float.self, repeating: 0, count: bytes / 4)
        base = allocation.assumingMemoryBound(to: Float.self) + Tensor.slack
    }

    /// What a tensor of this shape allocates, as the buffer `name`: its planes with their borders,
    /// and the slack.
    public static func memory(_ name: String, channels: Int, height: Int, width: Int, pad: Int = 0) -> MemoryPlan {
        MemoryPlan(name, bytes: (channels * (height + 2 * pad) * (width + 2 * pad) + 2 * slack) * MemoryLayout<Float>.size)
    }

    deinit { allocation.deallocate() }

    /// Every float the planes occupy, borders included.
    public var storageCount: Int { channels * planeStride }

    /// Pointer to plane `c`, at its first interior pixel.
    @inlinable @inline(__always)
    public func plane(_ c: Int) -> UnsafeMutablePointer<Float> {
        base + c * planeStride + pad * rowStride + pad
    }

    /// Pointer to pixel (x, y) of plane `c` in interior coordinates (negative reaches the border).
    @inlinable @inline(__always)
    public func pointer(_ c: Int, _ y: Int, _ x: Int) -> UnsafeMutablePointer<Float> {
        plane(c) + y * rowStride + x
    }

    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pointer(c, y, x).pointee }
        set { pointer(c, y, x).pointee = newValue }
    }

    public var shapeDescription: String { "\(channels)x\(height)x\(width)" }

    public func hasSameShape(as other: Tensor) -> Bool {
        channels == other.channels && height == other.height && width == other.width
    }

    /// Sets every float, borders included, to zero.
    public func zero() {
        base.update(repeating: 0, count: storageCount)
    }

    /// Copies planar values (channels x height x width, no border) into the interior.
    public func load(_ values: UnsafeBufferPointer<Float>) {
        precondition(values.count == channels * height * width)
        var src = values.baseAddress!
        for c in 0..<channels {
            for y in 0..<height {
                pointer(c, y, 0).update(from: src, count: width)
                src += width
            }
        }
    }

    public func load(_ values: [Float]) {
        values.withUnsafeBufferPointer { load($0) }
    }

    /// The interior as planar values (channels x height x width).
    public func toArray() -> [Float] {
        var out = [Float](repeating: 0, count: channels * height * width)
        out.withUnsafeMutableBufferPointer { dst in
            var p = dst.baseAddress!
            for c in 0..<channels {
                for y in 0..<height {
                    p.update(from: pointer(c, y, 0), count: width)
                    p += width
                }
            }
        }
        return out
    }
}
