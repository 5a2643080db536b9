import CCodecs
#if canImport(Glibc)
import Glibc
#endif

/// Validates an image and its write options, then streams it through a cc_encoder in strips of
/// about a megabyte of interleaved rows: no second copy of the image is ever made.
struct ImageEncoder {
    let image: Image
    let format: ImageSourceInfo.Format
    let options: cc_encode_options
    let withAlpha: Bool
    let sampleBytes: Int

    init(_ image: Image, format: ImageSourceInfo.Format, bitDepth: Int, jpegQuality: Int,
         name: String) throws {
        func refuse(_ reason: String) -> ImageError { ImageError(file: name, reason: reason) }
        guard image.width > 0, image.height > 0,
              image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
            throw refuse("cannot write a \(image.width)x\(image.height) image")
        }
        guard image.channels == 1 || image.channels == 3,
              image.pixels.count == image.width * image.height * image.channels,
              image.alpha == nil || image.alpha!.count == image.width * image.height else {
            throw refuse("inconsistent image: \(image.channels) channels, \(image.pixels.count) values for \(image.width)x\(image.height)")
        }
        guard [1, 2, 4, 8, 16].contains(bitDepth) else {
            throw refuse("bit depth \(bitDepth) (1, 2, 4, 8 or 16 expected)")
        }
        let traits = format.traits
        var options = cc_encode_options()
        options.format = Int32(traits.shimFormat.rawValue)
        options.width = UInt32(image.width)
        options.height = UInt32(image.height)
        options.channels = Int32(image.channels)
        options.bit_depth = Int32(traits.writtenDepth(requested: bitDepth))
        options.has_alpha = traits.writesAlpha && image.alpha != nil ? 1 : 0
        if traits.takesQuality {
            guard (1...100).contains(jpegQuality) else {
                throw refuse("\(traits.displayName) quality \(jpegQuality) (1...100 expected)")
            }
            options.quality = Int32(jpegQuality)
        }
        self.image = image
        self.format = format
        self.options = options
        self.withAlpha = options.has_alpha != 0
        self.sampleBytes = Int(options.bit_depth) / 8
    }

    /// Writes to `path`; on any failure the partial file is removed so that no half-written image
    /// is left under a real name.
    func writeFile(_ path: String, iccProfile: [UInt8]?, exif: [UInt8]?) throws {
        try withOptions(iccProfile: iccProfile, exif: exif) { options in
            var status = cc_status()
            guard let handle = cc_encoder_open_file(path, &options, &status) else {
                if status.code != Int32(CC_ERR_OPEN.rawValue) { removePartialFile(path) }
                throw CodecFailure.writing(status, format: format, file: path)
            }
            defer { cc_encoder_free(handle) }
            do {
                try stream(to: handle, name: path)
            } catch {
                removePartialFile(path)
                throw error
            }
        }
    }

    func encodeToMemory(iccProfile: [UInt8]?, exif: [UInt8]?) throws -> [UInt8] {
        try withOptions(iccProfile: iccProfile, exif: exif) { options in
            var status = cc_status()
            guard let handle = cc_encoder_open_memory(&options, &status) else {
                throw CodecFailure.writing(status, format: format, file: "<memory>")
            }
            defer { cc_encoder_free(handle) }
            try stream(to: handle, name: "<memory>")
            var size = 0
            guard let bytes = cc_encoder_memory(handle, &size) else { return [] }
            return Array(UnsafeBufferPointer(start: bytes, count: size))
        }
    }

    /// The options with the ICC profile and EXIF pointers valid for the duration of `body`; only
    /// what the format keeps is handed on.
    private func withOptions<T>(iccProfile: [UInt8]?, exif: [UInt8]?,
                                _ body: (inout cc_encode_options) throws -> T) throws -> T {
        var options = self.options
        let keeps = format.traits.keeps
        return try (keeps.contains(.iccProfile) ? iccProfile ?? [] : []).withUnsafeBufferPointer { icc in
            try (keeps.contains(.exif) ? exif ?? [] : []).withUnsafeBufferPointer { exif in
                if !icc.isEmpty { (options.icc_profile, options.icc_profile_size) = (icc.baseAddress, icc.count) }
                if !exif.isEmpty { (options.exif, options.exif_size) = (exif.baseAddress, exif.count) }
                return try body(&options)
            }
        }
    }

    private func stream(to handle: OpaquePointer, name: String) throws {
        let width = image.width, height = image.height, plane = width * height
        let samples = image.channels + (withAlpha ? 1 : 0)
        let rowBytes = width * samples * sampleBytes
        let stripRows = max(1, min(height, (1 << 20) / rowBytes))
        let strip = UnsafeMutableRawPointer.allocate(byteCount: stripRows * rowBytes, alignment: 16)
        defer { strip.deallocate() }
        var status = cc_status()

        try image.pixels.withUnsafeBufferPointer { colour in
            try withOptionalBuffer(withAlpha ? image.alpha : nil) { alpha in
                var y = 0
                while y < height {
                    let rows = min(stripRows, height - y)
                    var planes = (0..<image.channels).map { colour.baseAddress! + $0 * plane + y * width }
                    if let alpha { planes.append(alpha + y * width) }
                    SampleConversion.interleave(planes, count: rows * width, sampleBytes: sampleBytes,
                                                into: strip)
                    guard cc_encoder_write_rows(handle, strip, rowBytes, UInt32(rows), &status) == 0 else {
                        throw CodecFailure.writing(status, format: format, file: name)
                    }
                    y += rows
                }
            }
        }
        guard cc_encoder_finish(handle, &status) == 0 else {
            throw CodecFailure.writing(status, format: format, file: name)
        }
    }
}

/// Removes what a failed write left at `path`, but only a regular file: the target may be a device
/// (say /dev/full in a test, run as root) that must not be unlinked.
private func removePartialFile(_ path: String) {
    var info = stat()
    if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
        unlink(path)
    }
}

private func withOptionalBuffer<T>(_ array: [Float]?,
                                   _ body: (UnsafePointer<Float>?) throws -> T) rethrows -> T {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBufferPointer { try body($0.baseAddress!) }
}
