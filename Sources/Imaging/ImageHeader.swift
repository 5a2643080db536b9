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
