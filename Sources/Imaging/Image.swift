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

/// How an image was stored, kept so that the output can be written the same way.
public struct ImageSourceInfo: Sendable, Equatable, Codable {
    public enum Format: String, Sendable, Codable { case png, jpeg }
    public var format: Format
    /// Bits per sample in the file (1, 2, 4, 8 or 16; 8 for JPEG).
    public var bitDepth: Int
    /// The file's colour layout as it names it: "gray", "gray+alpha", "palette", "rgb", "rgba", "cmyk".
    public var colorType: String
    /// PNG Adam7 interlacing or progressive JPEG.
    public var interlaced: Bool

    /// The embedded ICC colour profile (PNG iCCP, JPEG APP2), kept so that an output written
    /// from this image can carry it (`ImageIO.write(..., iccProfile:)`). Not serialised: it is
    /// binary and can be large, and the sidecar has no use for it.
    public var iccProfile: [UInt8]? = nil
    /// A JPEG's EXIF block, kept the same way (`ImageIO.write(..., exif:)`) so that a JPEG output
    /// keeps the camera's orientation tag and settings. Not serialised either.
    public var exif: [UInt8]? = nil

    enum CodingKeys: String, CodingKey { case format, bitDepth, colorType, interlaced }

    public init(format: Format, bitDepth: Int, colorType: String, interlaced: Bool) {
        self.format = format
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.interlaced = interlaced
    }
}

/// An image that could not be read or written: names the file and says why.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
    public var description: String { "\(file): \(reason)" }
}
