/// The tags of a TIFF's first directory, read by hand (classic TIFF, either byte order): what the
/// tests check of written files and patch in damaged ones.
struct TIFFTags {
    struct Entry { var tag: Int; var type: Int; var count: Int; var valueOffset: Int; var entryOffset: Int }
    let bytes: [UInt8]
    let bigEndian: Bool
    var entries: [Entry] = []

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        bigEndian = bytes.starts(with: [0x4D, 0x4D])
        var offset = Self.read32(bytes, 4, bigEndian)
        let count = Self.read16(bytes, offset, bigEndian)
        offset += 2
        for i in 0..<count {
            let e = offset + 12 * i
            entries.append(Entry(tag: Self.read16(bytes, e, bigEndian), type: Self.read16(bytes, e + 2, bigEndian),
                                 count: Self.read32(bytes, e + 4, bigEndian), valueOffset: e + 8, entryOffset: e))
        }
    }

    /// The first value of `tag` (SHORT or LONG), or nil.
    func value(_ tag: Int) -> Int? {
        guard let e = entries.first(where: { $0.tag == tag }) else { return nil }
        return e.type == 3 ? Self.read16(bytes, e.valueOffset, bigEndian) : Self.read32(bytes, e.valueOffset, bigEndian)
    }

    func count(_ tag: Int) -> Int { entries.first { $0.tag == tag }?.count ?? 0 }

    /// `bytes` with the inline value of `tag` (a single SHORT or LONG) replaced.
    func patched(_ tag: Int, to value: Int) -> [UInt8] {
        var out = bytes
        let e = entries.first { $0.tag == tag }!
        let width = e.type == 3 ? 2 : 4
        for k in 0..<width {
            let shift = bigEndian ? 8 * (width - 1 - k) : 8 * k
            out[e.valueOffset + k] = UInt8(truncatingIfNeeded: value >> shift)
        }
        return out
    }

    /// `bytes` with the count of `tag` replaced (the values stay where they are).
    func patchedCount(_ tag: Int, to count: Int) -> [UInt8] {
        var out = bytes
        let e = entries.first { $0.tag == tag }!
        for k in 0..<4 {
            let shift = bigEndian ? 8 * (3 - k) : 8 * k
            out[e.entryOffset + 4 + k] = UInt8(truncatingIfNeeded: count >> shift)
        }
        return out
    }

    static func read16(_ b: [UInt8], _ o: Int, _ be: Bool) -> Int {
        be ? Int(b[o]) << 8 | Int(b[o + 1]) : Int(b[o + 1]) << 8 | Int(b[o])
    }
    static func read32(_ b: [UInt8], _ o: Int, _ be: Bool) -> Int {
        be ? read16(b, o, be) << 16 | read16(b, o + 2, be) : read16(b, o + 2, be) << 16 | read16(b, o, be)
    }
}
