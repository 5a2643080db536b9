/// The hot loops between the codecs' interleaved integer samples and `Image`'s planar floats.
/// Plain loops over raw pointers: these run once per sample of 50-megapixel images.
enum SampleConversion {
    /// `table8[v] == Float(v) / 255` and `table16[v] == Float(v) / 65535`, each correctly rounded:
    /// a lookup is exact (a multiply by the reciprocal would not be) and faster than a divide.
    /// Sub-8-bit PNG gray arrives from libpng already scaled to 8 bits (v * 255 / (2^depth - 1),
    /// an exact integer), so it maps to v / (2^depth - 1) exactly too.
    static let table8: [Float] = (0...255).map { Float($0) / 255 }
    static let table16: [Float] = (0...65535).map { Float($0) / 65535 }

    /// Splits `count` pixels of `planes.count` interleaved samples (1 or 2 bytes each, native
    /// endian) into the planes, scaling each to [0, 1].
    static func deinterleave(_ source: UnsafeRawPointer, sampleBytes: Int, count: Int,
                             into planes: [UnsafeMutablePointer<Float>]) {
        if sampleBytes == 1 {
            deinterleave(source.assumingMemoryBound(to: UInt8.self), table: table8, count: count, into: planes)
        } else {
            deinterleave(source.assumingMemoryBound(to: UInt16.self), table: table16, count: count, into: planes)
        }
    }

    /// The loop of `deinterleave` for one sample width (inlined, so each width gets its own).
    @inline(__always)
    private static func deinterleave<Sample: FixedWidthInteger>(_ src: UnsafePointer<Sample>, table: [Float], count: Int,
                                                                into planes: [UnsafeMutablePointer<Float>]) {
        let stride = planes.count
        table.withUnsafeBufferPointer { table in
            for (s, dst) in planes.enumerated() {
                var j = s
                for i in 0..<count {
                    dst[i] = table[Int(src[j])]
                    j += stride
                }
            }
        }
    }

    /// Splits `count` pixels of interleaved native floats (a float TIFF) into the planes as they
    /// are. Returns nil when every sample lies in [0, 1]; otherwise what lies outside, for the
    /// caller's refusal ("-3.5 to 1200", "NaN"): nothing is clipped silently.
    static func copyFloats(_ source: UnsafeRawPointer, count: Int,
                           into planes: [UnsafeMutablePointer<Float>]) -> String? {
        let stride = planes.count
        let src = source.assumingMemoryBound(to: Float.self)
        var low: Float = 0, high: Float = 1, outside = false, nan = false
        for (s, dst) in planes.enumerated() {
            var j = s
            for i in 0..<count {
                let v = src[j]
                dst[i] = v
                if !(v >= 0 && v <= 1) { // NaN fails both
                    if v.isNaN { nan = true } else { outside = true; low = min(low, v); high = max(high, v) }
                }
                j += stride
            }
        }
        if !outside && !nan { return nil }
        return [outside ? "\(low) to \(high)" : nil, nan ? "NaN" : nil].compactMap { $0 }.joined(separator: " and ")
    }

    /// Divides premultiplied colour by alpha (TIFF associated alpha), clamped to 1; where alpha
    /// is 0 the colour is 0, as premultiplied data holds it.
    static func unpremultiply(_ colour: UnsafeMutablePointer<Float>, planes: Int, planeSize: Int,
                              alpha: UnsafePointer<Float>) {
        for p in 0..<planes {
            let plane = colour + p * planeSize
            for i in 0..<planeSize {
                let a = alpha[i]
                plane[i] = a > 0 ? min(1, plane[i] / a) : 0
            }
        }
    }

    /// Interleaves `count` pixels from the planes into 1- or 2-byte samples: each value clamped to
    /// [0, 1] (NaN to 0), scaled to 255 or 65535 and rounded to nearest (halves up).
    static func interleave(_ planes: [UnsafePointer<Float>], count: Int, sampleBytes: Int,
                           into destination: UnsafeMutableRawPointer) {
        if sampleBytes == 1 {
            interleave(planes, count: count, scale: 255, into: destination.assumingMemoryBound(to: UInt8.self))
        } else {
            interleave(planes, count: count, scale: 65535, into: destination.assumingMemoryBound(to: UInt16.self))
        }
    }

    /// The loop of `interleave` for one sample width (inlined, so each width gets its own).
    @inline(__always)
    private static func interleave<Sample: FixedWidthInteger>(_ planes: [UnsafePointer<Float>], count: Int, scale: Float,
                                                              into dst: UnsafeMutablePointer<Sample>) {
        let stride = planes.count
        for (s, src) in planes.enumerated() {
            var j = s
            for i in 0..<count {
                dst[j] = Sample(truncatingIfNeeded: quantize(src[i], scale: scale))
                j += stride
            }
        }
    }

    @inline(__always)
    static func quantize(_ x: Float, scale: Float) -> UInt32 {
        // Written so that NaN (every comparison false) lands on 0.
        let clamped: Float = x > 0 ? (x < 1 ? x : 1) : 0
        return UInt32(clamped * scale + 0.5)
    }
}
