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
        let stride = planes.count
        if sampleBytes == 1 {
            let src = source.assumingMemoryBound(to: UInt8.self)
            table8.withUnsafeBufferPointer { table in
                for (s, dst) in planes.enumerated() {
                    var j = s
                    for i in 0..<count {
                        dst[i] = table[Int(src[j])]
                        j += stride
                    }
                }
            }
        } else {
            let src = source.assumingMemoryBound(to: UInt16.self)
            table16.withUnsafeBufferPointer { table in
                for (s, dst) in planes.enumerated() {
                    var j = s
                    for i in 0..<count {
                        dst[i] = table[Int(src[j])]
                        j += stride
                    }
                }
            }
        }
    }

    /// Interleaves `count` pixels from the planes into 1- or 2-byte samples: each value clamped to
    /// [0, 1] (NaN to 0), scaled to 255 or 65535 and rounded to nearest (halves up).
    static func interleave(_ planes: [UnsafePointer<Float>], count: Int, sampleBytes: Int,
                           into destination: UnsafeMutableRawPointer) {
        let stride = planes.count
        if sampleBytes == 1 {
            let dst = destination.assumingMemoryBound(to: UInt8.self)
            for (s, src) in planes.enumerated() {
                var j = s
                for i in 0..<count {
                    dst[j] = UInt8(truncatingIfNeeded: quantize(src[i], scale: 255))
                    j += stride
                }
            }
        } else {
            let dst = destination.assumingMemoryBound(to: UInt16.self)
            for (s, src) in planes.enumerated() {
                var j = s
                for i in 0..<count {
                    dst[j] = UInt16(truncatingIfNeeded: quantize(src[i], scale: 65535))
                    j += stride
                }
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
