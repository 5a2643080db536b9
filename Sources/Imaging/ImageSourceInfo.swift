/// How an image was stored, kept so that the output can be written the same way.
public struct ImageSourceInfo: Sendable, Equatable, Codable {
    public var format: Format
    /// Bits per sample in the file (1, 2, 4, 8 or 16; 8 for JPEG; 32 for a float TIFF).
    public var bitDepth: Int
    /// The file's colour layout as it names it: "gray", "gray+alpha", "palette", "rgb", "rgba", "cmyk".
    public var colorType: String
    /// PNG Adam7 interlacing or progressive JPEG.
    public var interlaced: Bool

    /// The embedded ICC colour profile (PNG iCCP, JPEG APP2, TIFF ICCProfile tag), kept so that an output written
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

/// What an image file declares before its pixels: enough to decide whether to decode it.
public struct ImageHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Colour channels the decoded `Image` will have: 1 (gray) or 3 (RGB; palettes decode to RGB).
    public var channels: Int
    /// Whether the decoded image gets an alpha plane: gray+alpha, RGBA, or a tRNS chunk (palette,
    /// gray or RGB). JPEG never has alpha.
    public var hasAlpha: Bool
    public var info: ImageSourceInfo

    public init(width: Int, height: Int, channels: Int, hasAlpha: Bool, info: ImageSourceInfo) {
        self.width = width
        self.height = height
        self.channels = channels
        self.hasAlpha = hasAlpha
        self.info = info
    }

    public var pixelCount: Int { width * height }
}
