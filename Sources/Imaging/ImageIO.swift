import SystemPackage

/// Reading and writing PNG, JPEG and TIFF files (libpng, libjpeg-turbo and libtiff, through the
/// CCodecs shim).
///
/// Reading: the format is chosen by the file's first bytes, never its name. PNG: gray 1/2/4/8/16
/// bit, gray+alpha, palette, RGB and RGBA at 8 or 16 bits, Adam7 interlaced or not; palettes
/// decode to RGB, a tRNS chunk (palette, gray or RGB) becomes an alpha plane. JPEG: baseline and
/// progressive, gray and YCbCr/RGB; CMYK and YCCK are refused. TIFF: one page (a multi-page file
/// is refused; reduced-resolution previews are ignored), gray (MinIsBlack or MinIsWhite) or RGB,
/// 8- or 16-bit unsigned or 32-bit float samples (float must lie in [0, 1]), strips or tiles,
/// contiguous or separate planes, uncompressed, LZW, Deflate or any other compression libtiff
/// decodes; a first extra sample marked as alpha becomes the alpha plane (associated alpha is
/// divided out), other extra samples are dropped; palette, CMYK and YCbCr TIFFs are refused.
/// Integer samples map to v / (2^depth - 1) exactly. No gamma or colour management is applied; the ICC profile, if any, is kept in
/// `ImageSourceInfo.iccProfile` so that it can be written back.
///
/// Every failure is an `ImageError` naming the file, with a reason a user can act on. A file cut
/// short anywhere, including a JPEG whose scan ends early (libjpeg would only warn and paint the
/// rest gray), is an error.
public enum ImageIO {
    /// The default `maxPixels` for reading: 100 megapixels, about 1.2 GB as RGB floats.
    public static let defaultMaxPixels = 100_000_000
    /// The default quality of a JPEG output (the CLI's `--jpeg-quality`, the daemon's `jpeg_quality`).
    public static let defaultJPEGQuality = 95

    /// Reads only the header of `path` (no pixel data is decoded). Throws for files `read` would
    /// refuse whatever their size (not an image, CMYK, a damaged header); the pixel limit is not
    /// applied here.
    public static func readHeader(_ path: String) throws -> ImageHeader {
        try ImageDecoder.withFile(path) { decoder in decoder.header }
    }

    /// Reads and decodes `path`. `maxPixels` (width x height) is checked from the header before
    /// any allocation proportional to the image size.
    public static func read(_ path: String, maxPixels: Int = ImageIO.defaultMaxPixels) throws
        -> (image: Image, info: ImageSourceInfo)
    {
        try ImageDecoder.withFile(path) { decoder in
            (try decoder.decode(maxPixels: maxPixels), decoder.header.info)
        }
    }

    /// `read` of a file already open (from its start, whatever was read from it before): what the
    /// daemon and the CLI use, so that the bytes decoded are the bytes they checked and hashed, and
    /// a name swapped for a symlink meanwhile is never followed. `name` stands for the file in
    /// errors.
    public static func read(_ descriptor: FileDescriptor, name: String, maxPixels: Int = ImageIO.defaultMaxPixels) throws
        -> (image: Image, info: ImageSourceInfo)
    {
        try ImageDecoder.withDescriptor(descriptor, name: name) { decoder in
            (try decoder.decode(maxPixels: maxPixels), decoder.header.info)
        }
    }

    /// `readHeader` for an image held in memory; `name` stands for the file in errors.
    public static func decodeHeader(_ bytes: [UInt8], name: String = "<memory>") throws -> ImageHeader {
        try ImageDecoder.withMemory(bytes, name: name) { decoder in decoder.header }
    }

    /// `read` for an image held in memory; `name` stands for the file in errors.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>",
                              maxPixels: Int = ImageIO.defaultMaxPixels) throws
        -> (image: Image, info: ImageSourceInfo)
    {
        try ImageDecoder.withMemory(bytes, name: name) { decoder in
            (try decoder.decode(maxPixels: maxPixels), decoder.header.info)
        }
    }

    /// Writes `image` to `path` (created or truncated; removed again if writing fails).
    ///
    /// - PNG: gray, gray+alpha, RGB or RGBA after the image's channels and alpha, at `bitDepth`
    ///   8 or 16. Depths 1, 2 and 4 are written as 8: processed values no longer sit on a 2-, 4-
    ///   or 16-level grid, and rounding them back to one would throw the work away.
    /// - TIFF: as PNG (gray or RGB, unassociated alpha when the image has it, 8 or 16 bits,
    ///   1/2/4 promoted to 8), Deflate-compressed with the horizontal predictor, in strips.
    /// - JPEG: gray or RGB, 8 bits whatever `bitDepth` says, at `jpegQuality` (1...100); at 90
    ///   and above chroma is kept at full resolution (4:4:4). JPEG has no alpha: the alpha plane
    ///   is dropped (not composited).
    ///
    /// Values are clamped to [0, 1] (NaN to 0) and rounded to the nearest level, so an image read
    /// from a PNG writes back bit for bit at its own depth. `iccProfile` (e.g. the one `read`
    /// returned in `ImageSourceInfo.iccProfile`) is embedded when given; libpng drops, with no
    /// error, a profile it finds inconsistent with the image. `exif` (`ImageSourceInfo.exif`) is
    /// written into a JPEG; a PNG or TIFF output does not carry it.
    public static func write(_ image: Image, to path: String, format: ImageSourceInfo.Format,
                             bitDepth: Int = 8, jpegQuality: Int = ImageIO.defaultJPEGQuality,
                             iccProfile: [UInt8]? = nil, exif: [UInt8]? = nil) throws {
        let encoder = try ImageEncoder(image, format: format, bitDepth: bitDepth,
                                       jpegQuality: jpegQuality, name: path)
        try encoder.writeFile(path, iccProfile: iccProfile, exif: exif)
    }

    /// `write` to memory: the bytes of the encoded file.
    public static func encode(_ image: Image, format: ImageSourceInfo.Format, bitDepth: Int = 8,
                              jpegQuality: Int = ImageIO.defaultJPEGQuality, iccProfile: [UInt8]? = nil,
                              exif: [UInt8]? = nil) throws -> [UInt8] {
        let encoder = try ImageEncoder(image, format: format, bitDepth: bitDepth,
                                       jpegQuality: jpegQuality, name: "<memory>")
        return try encoder.encodeToMemory(iccProfile: iccProfile, exif: exif)
    }
}
