/// An image as zsn2n works on it: float32 in [0, 1], channels-first (planar), 1 (gray) or 3 (RGB)
/// colour channels, and an optional alpha plane that is carried through untouched and never denoised.
public struct Image: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Colour channels: 1 (gray) or 3 (RGB). Alpha is not counted here.
    public var channels: Int
    /// `channels * height * width` values, plane after plane, row-major inside a plane.
    public var pixels: [Float]
    /// `height * width` values in [0, 1], or nil when the source has no alpha.
    public var alpha: [Float]?

    public init(width: Int, height: Int, channels: Int, pixels: [Float], alpha: [Float]? = nil) {
        precondition(channels == 1 || channels == 3, "an image has 1 or 3 colour channels")
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        precondition(alpha == nil || alpha!.count == width * height, "alpha count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.alpha = alpha
    }

    /// A black image of the given size.
    public init(width: Int, height: Int, channels: Int) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: 0, count: width * height * channels))
    }

    public var planeSize: Int { width * height }

    /// The value of channel `c` at column `x`, row `y`.
    @inlinable
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }

    /// The centre `side` x `side` pixels (alpha too): `zsn2n noise --crop`, an evaluation set's
    /// and a study's crops.
    public func centreCrop(_ side: Int) -> Image {
        let top = (height - side) / 2, left = (width - side) / 2
        func cut(_ plane: ArraySlice<Float>) -> [Float] {
            (0..<side).flatMap { y in plane[(plane.startIndex + (top + y) * width + left)...].prefix(side) }
        }
        let planes = (0..<channels).flatMap { c in cut(pixels[(c * planeSize)..<((c + 1) * planeSize)]) }
        return Image(width: side, height: side, channels: channels, pixels: planes, alpha: alpha.map { cut($0[...]) })
    }

    /// Every sample clamped to [0, 1], as it will be once written to a file.
    public func clamped() -> Image {
        var copy = self
        copy.pixels = pixels.map { min(max($0, 0), 1) }
        return copy
    }
}
