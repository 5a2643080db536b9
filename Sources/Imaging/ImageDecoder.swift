import CCodecs
import SystemPackage

/// One open cc_decoder: its header in Swift terms, and the strip-by-strip decode into an `Image`.
/// Lives only inside `withFile` / `withMemory`, which free the C side.
struct ImageDecoder {
    let handle: OpaquePointer
    let raw: cc_header
    let header: ImageHeader
    let name: String

    static func withFile<T>(_ path: String, _ body: (ImageDecoder) throws -> T) throws -> T {
        var status = cc_status()
        guard let handle = cc_decoder_open_file(path, &status) else {
            throw CodecFailure.reading(status, format: nil, file: path)
        }
        defer { cc_decoder_free(handle) }
        return try body(ImageDecoder(handle: handle, name: path))
    }

    /// Reads an open file from its start; `name` stands for it in errors.
    static func withDescriptor<T>(_ descriptor: FileDescriptor, name: String, _ body: (ImageDecoder) throws -> T) throws -> T {
        var status = cc_status()
        guard let handle = cc_decoder_open_fd(descriptor.rawValue, &status) else {
            throw CodecFailure.reading(status, format: nil, file: name)
        }
        defer { cc_decoder_free(handle) }
        return try body(ImageDecoder(handle: handle, name: name))
    }

    static func withMemory<T>(_ bytes: [UInt8], name: String,
                              _ body: (ImageDecoder) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { buffer in
            var status = cc_status()
            guard let base = buffer.baseAddress,
                  let handle = cc_decoder_open_memory(base, buffer.count, &status)
            else {
                if buffer.isEmpty { status.code = Int32(CC_ERR_EMPTY.rawValue) }
                throw CodecFailure.reading(status, format: nil, file: name)
            }
            defer { cc_decoder_free(handle) }
            return try body(ImageDecoder(handle: handle, name: name))
        }
    }

    private init(handle: OpaquePointer, name: String) throws {
        self.handle = handle
        self.name = name
        let raw = cc_decoder_header(handle)!.pointee
        self.raw = raw
        guard let format = ImageSourceInfo.Format(shimFormat: raw.format) else {
            throw ImageError(file: name, reason: "internal error: the decoder reported no format")
        }
        let colorType: String
        switch cc_color(UInt32(raw.color)) {
        case CC_COLOR_GRAY: colorType = "gray"
        case CC_COLOR_GRAY_ALPHA: colorType = "gray+alpha"
        case CC_COLOR_PALETTE: colorType = "palette"
        case CC_COLOR_RGB: colorType = "rgb"
        case CC_COLOR_RGBA: colorType = "rgba"
        default:
            // CMYK or YCCK (Adobe's CMYK): converting needs the ink profile to look right, so we
            // refuse rather than guess. Refused here, at the header, so a probe fails early too.
            // (libtiff's CMYK is refused in the shim already.)
            throw ImageError(file: name, reason: "CMYK \(format.displayName) is not supported; convert to RGB")
        }
        var info = ImageSourceInfo(format: format, bitDepth: Int(raw.bit_depth), colorType: colorType,
                                   interlaced: raw.interlaced != 0)
        var iccSize = 0
        if let icc = cc_decoder_icc_profile(handle, &iccSize), iccSize > 0 {
            info.iccProfile = Array(UnsafeBufferPointer(start: icc, count: iccSize))
        }
        var exifSize = 0
        if let exif = cc_decoder_exif(handle, &exifSize), exifSize > 0 {
            info.exif = Array(UnsafeBufferPointer(start: exif, count: exifSize))
        }
        header = ImageHeader(width: Int(raw.width), height: Int(raw.height),
                             channels: Int(raw.out_channels), hasAlpha: raw.out_has_alpha != 0,
                             info: info)
    }

    /// Decodes the pixels. Memory: the float image, plus a compact strip of about a megabyte of
    /// rows at a time; an interlaced PNG (whose passes each touch every row) needs its whole
    /// compact image at once instead, and a TIFF one of its own strips (or rows of tiles) besides.
    ///
    /// A float TIFF's samples must lie in [0, 1] (the scale every other input is read on): one
    /// outside, or NaN, refuses the file with the range found, rather than clip the data silently.
    /// Associated (premultiplied) TIFF alpha is divided out, so that the colour planes are the
    /// image's colour and the alpha plane its coverage, as for PNG.
    func decode(maxPixels: Int) throws -> Image {
        let width = header.width, height = header.height, channels = header.channels
        let samples = channels + (header.hasAlpha ? 1 : 0)
        let sampleBytes = Int(raw.out_sample_bytes)
        try PixelLimit.check(width: width, height: height, samples: samples, maxPixels: maxPixels,
                             file: name)
        // PixelLimit has ruled out overflow for width * height * samples * 4 bytes.
        let plane = width * height
        let rowBytes = width * samples * sampleBytes
        let wholeImage = header.info.format.traits.decodesInterlacedWhole && header.info.interlaced
        let stripRows = wholeImage ? height : max(1, min(height, (1 << 20) / rowBytes))
        let strip = UnsafeMutableRawPointer.allocate(byteCount: stripRows * rowBytes, alignment: 16)
        defer { strip.deallocate() }

        // Decode straight into uninitialised arrays: no zero-filling pass, and a lying header on
        // a short file fails before most of the pages are ever touched.
        func decodeRows(into colour: UnsafeMutablePointer<Float>, alpha: UnsafeMutablePointer<Float>?) throws {
            var y = 0
            while y < height {
                let rows = min(stripRows, height - y)
                var status = cc_status()
                guard cc_decoder_read_rows(handle, strip, rowBytes, UInt32(rows), &status) == 0 else {
                    throw CodecFailure.reading(status, format: header.info.format, file: name)
                }
                var planes = (0..<channels).map { colour + $0 * plane + y * width }
                if let alpha { planes.append(alpha + y * width) }
                if sampleBytes == 4 {
                    if let outside = SampleConversion.copyFloats(strip, count: rows * width, into: planes) {
                        let kind = header.info.format.displayName
                        throw ImageError(file: name, reason: "unsupported \(kind): 32-bit float samples of \(outside); float \(kind)s are read with samples in 0...1: rescale it, or save it as 16-bit")
                    }
                } else {
                    SampleConversion.deinterleave(strip, sampleBytes: sampleBytes, count: rows * width,
                                                  into: planes)
                }
                y += rows
            }
            if let alpha, raw.out_alpha_premultiplied != 0 {
                SampleConversion.unpremultiply(colour, planes: channels, planeSize: plane, alpha: alpha)
            }
            var status = cc_status()
            guard cc_decoder_finish(handle, &status) == 0 else {
                throw CodecFailure.reading(status, format: header.info.format, file: name)
            }
        }

        var alpha: [Float]? = nil
        let pixels = try [Float](unsafeUninitializedCapacity: plane * channels) { colour, count in
            if header.hasAlpha {
                alpha = try [Float](unsafeUninitializedCapacity: plane) { alphaPlane, alphaCount in
                    try decodeRows(into: colour.baseAddress!, alpha: alphaPlane.baseAddress!)
                    alphaCount = plane
                }
            } else {
                try decodeRows(into: colour.baseAddress!, alpha: nil)
            }
            count = plane * channels
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels, alpha: alpha)
    }
}
