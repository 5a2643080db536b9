import CCodecs

/// The pixel-count limit, checked from the header before any allocation that scales with the
/// image (`max_pixels` in the configuration).
enum PixelLimit {
    static func check(width: Int, height: Int, samples: Int, maxPixels: Int, file: String) throws {
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            var count = overflow ? "more than \(Int.max) pixels" : describe(pixels)
            var limit = describe(maxPixels)
            if count == limit { // rounding made them look equal: say the exact numbers
                count = "\(pixels) pixels"
                limit = "\(maxPixels) pixels"
            }
            throw ImageError(file: file, reason: "image is \(width)x\(height) = \(count), above the limit of \(limit) (max_pixels)")
        }
        // Float planes plus the widest compact buffer (2 bytes a sample) must be addressable.
        let (bytes, overflow2) = pixels.multipliedReportingOverflow(by: samples * 4)
        if overflow2 || bytes > Int.max / 2 {
            throw ImageError(file: file, reason: "image is \(width)x\(height), too large to address")
        }
    }

    /// "1.6 gigapixels", "100 megapixels", "12.3 megapixels", "4096 pixels".
    static func describe(_ pixels: Int) -> String {
        func tenths(_ value: Int, unit: Int, name: String) -> String {
            let t = (value + unit / 20) / (unit / 10)
            return t % 10 == 0 ? "\(t / 10) \(name)" : "\(t / 10).\(t % 10) \(name)"
        }
        if pixels >= 1_000_000_000 { return tenths(pixels, unit: 1_000_000_000, name: "gigapixels") }
        if pixels >= 1_000_000 { return tenths(pixels, unit: 1_000_000, name: "megapixels") }
        return "\(pixels) pixels"
    }
}
