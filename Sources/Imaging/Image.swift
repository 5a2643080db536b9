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
}
