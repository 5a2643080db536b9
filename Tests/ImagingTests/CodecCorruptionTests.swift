import Foundation
import Synchronization
import Testing
@testable import Imaging

/// Damaged, hostile and missing inputs: each must give an ImageError that names the file and says
/// why, and nothing may crash.
@Suite("Corrupt and hostile inputs")
struct CodecCorruptionTests {
    static let png = try! ImageIO.encode(levelImage(width: 32, height: 32, channels: 3, alpha: false,
                                                    maxLevel: 255, seed: 11), format: .png)
    static let jpeg = try! ImageIO.encode(smoothImage(width: 32, height: 32, channels: 3), format: .jpeg)

    /// The PNG's chunks: (type, offset of the length field, data length).
    static func chunks(_ bytes: [UInt8]) -> [(type: String, offset: Int, length: Int)] {
        var result: [(String, Int, Int)] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            result.append((type, offset, length))
            offset += 12 + length
        }
        return result
    }

    func expectTruncatedFails(_ bytes: [UInt8], at length: Int, reason: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/cut-\(length).img"
            try writeBytes(Array(bytes.prefix(length)), to: path)
            expectImageError(file: path, reason: reason, sourceLocation: sourceLocation) {
                _ = try ImageIO.read(path)
            }
        }
    }

    @Test("PNG truncated in the signature, IHDR, IDAT and before IEND")
    func truncatedPNG() throws {
        let bytes = Self.png
        let chunks = Self.chunks(bytes)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let idat = chunks[1], iend = chunks[2]
        try expectTruncatedFails(bytes, at: 0, reason: "empty file")
        try expectTruncatedFails(bytes, at: 4, reason: "truncated PNG: the file ends inside the PNG signature")
        try expectTruncatedFails(bytes, at: 8, reason: "truncated or corrupt PNG: unexpected end of file")
        try expectTruncatedFails(bytes, at: 8 + 8 + 5, reason: "truncated or corrupt PNG: unexpected end of file")
        try expectTruncatedFails(bytes, at: idat.offset + 8 + idat.length / 2, reason: "truncated or corrupt PNG")
        try expectTruncatedFails(bytes, at: iend.offset, reason: "truncated or corrupt PNG: unexpected end of file")
        try expectTruncatedFails(bytes, at: bytes.count - 1, reason: "truncated or corrupt PNG")
    }

    @Test("JPEG truncated in the header and mid-scan (libjpeg's warning is an error here)")
    func truncatedJPEG() throws {
        let bytes = Self.jpeg
        try expectTruncatedFails(bytes, at: 1, reason: "not a PNG, JPEG or TIFF file")
        try expectTruncatedFails(bytes, at: 2, reason: "truncated or corrupt JPEG")
        try expectTruncatedFails(bytes, at: 20, reason: "truncated or corrupt JPEG")
        try expectTruncatedFails(bytes, at: bytes.count / 2, reason: "truncated or corrupt JPEG: Premature end of JPEG file")
        try expectTruncatedFails(bytes, at: bytes.count - 2, reason: "truncated or corrupt JPEG: Premature end of JPEG file")
    }

    @Test("Stray bytes between JPEG markers only warn: the pixels are intact, so they decode")
    func jpegExtraneousBytesTolerated() throws {
        var bytes = Self.jpeg
        #expect(bytes[2] == 0xFF && bytes[3] == 0xE0) // our writer puts JFIF's APP0 first
        let app0End = 4 + (Int(bytes[4]) << 8 | Int(bytes[5]))
        bytes.insert(contentsOf: [0x00, 0x11, 0x22], at: app0End)
        #expect(try ImageIO.decode(bytes).image == ImageIO.decode(Self.jpeg).image)
    }

    @Test("Decoders on several threads at once do not interfere")
    func concurrentDecodes() throws {
        let names = ["rgb8_adam7.png", "graya16_adam7.png", "rgb_progressive.jpg", "gray.jpg"]
        let inputs = try names.map { try fixtureBytes($0) }
        let expected = try inputs.map { try ImageIO.decode($0).image }
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let k = i % inputs.count
            let same = (try? ImageIO.decode(inputs[k]).image) == expected[k]
            // Odd iterations also fail a decode, to mix longjmp error paths into the traffic.
            if i % 2 == 1 { _ = try? ImageIO.decode(Array(inputs[k].prefix(inputs[k].count / 2))) }
            if !same { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    @Test("Every proper prefix of a valid file is refused", arguments: ["png", "jpeg", "progressive", "interlaced"])
    func everyPrefixRefused(kind: String) throws {
        let bytes: [UInt8]
        switch kind {
        case "png": bytes = Self.png
        case "jpeg": bytes = Self.jpeg
        case "progressive": bytes = try fixtureBytes("rgb_progressive.jpg")
        default: bytes = try fixtureBytes("rgb8_adam7.png")
        }
        #expect(try ImageIO.decode(bytes).image.width > 0)
        for length in 0..<bytes.count {
            do {
                _ = try ImageIO.decode(Array(bytes.prefix(length)), name: "prefix")
                Issue.record("\(kind) cut to \(length) of \(bytes.count) bytes was accepted")
            } catch let error as ImageError {
                #expect(error.file == "prefix")
            }
        }
    }

    @Test("Zero-byte file, wrong magic, missing file, a folder")
    func notImages() throws {
        try withTemporaryDirectory { dir in
            let empty = dir + "/empty.png"
            try writeBytes([], to: empty)
            expectImageError(file: empty, reason: "empty file (0 bytes)") { _ = try ImageIO.read(empty) }
            expectImageError(file: empty, reason: "empty file") { _ = try ImageIO.readHeader(empty) }

            let gif = dir + "/image.png"
            try writeBytes(Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8), to: gif)
            expectImageError(file: gif, reason: "not a PNG, JPEG or TIFF file") { _ = try ImageIO.read(gif) }
            let text = dir + "/notes.jpg"
            try writeBytes(Array("hello, world\n".utf8), to: text)
            expectImageError(file: text, reason: "not a PNG, JPEG or TIFF file") { _ = try ImageIO.read(text) }

            let missing = dir + "/missing.png"
            expectImageError(file: missing, reason: "cannot open: No such file or directory") {
                _ = try ImageIO.read(missing)
            }
            expectImageError(file: missing, reason: "cannot open: No such file or directory") {
                _ = try ImageIO.readHeader(missing)
            }
            expectImageError(file: dir, reason: "cannot read: Is a directory") { _ = try ImageIO.read(dir) }
        }
        expectImageError(file: "<memory>", reason: "empty") { _ = try ImageIO.decode([]) }
    }

    /// A PNG of a signature, an IHDR with the given size (correct CRC), an IDAT holding a single
    /// zero byte (a stored zlib block: far too little data), and IEND.
    static func headerOnlyPNG(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(crc32(body))
        }
        return [137, 80, 78, 71, 13, 10, 26, 10]
            + chunk("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01])
            + chunk("IEND", [])
    }

    @Test("A header declaring 100000x100000 is refused by the pixel limit, before allocating")
    func absurdDimensions() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/huge.png"
            try writeBytes(Self.headerOnlyPNG(width: 100_000, height: 100_000), to: path)
            // readHeader reports it (it applies no limit)...
            let header = try ImageIO.readHeader(path)
            #expect(header.width == 100_000 && header.height == 100_000 && header.channels == 3)
            // ...and read refuses it. Allocating first would need 120 GB of floats and trap.
            expectImageError(file: path, reason: "image is 100000x100000 = 10 gigapixels, above the limit of 100 megapixels (max_pixels)") {
                _ = try ImageIO.read(path)
            }
        }
        // The largest PNG allowed: no overflow even with the limit lifted.
        let widest = Self.headerOnlyPNG(width: 0x7fff_ffff, height: 0x7fff_ffff)
        expectImageError(file: "<memory>", reason: "too large to address") {
            _ = try ImageIO.decode(widest, maxPixels: .max)
        }
        // Under the limit but with no pixel data: a decode error, quickly.
        let empty = Self.headerOnlyPNG(width: 4000, height: 3000)
        expectImageError(file: "<memory>", reason: "truncated or corrupt PNG") {
            _ = try ImageIO.decode(empty)
        }
    }

    @Test("maxPixels is enforced from the header, for PNG and JPEG")
    func maxPixelsEnforced() throws {
        for (bytes, kind) in [(Self.png, "png"), (Self.jpeg, "jpeg")] {
            expectImageError(file: kind, reason: "image is 32x32 = 1024 pixels, above the limit of 1023 pixels (max_pixels)") {
                _ = try ImageIO.decode(bytes, name: kind, maxPixels: 1023)
            }
            #expect(try ImageIO.decode(bytes, name: kind, maxPixels: 1024).image.width == 32)
        }
    }

    @Test("Pixel counts are described in units a user reads")
    func describePixels() {
        #expect(PixelLimit.describe(1_600_000_000) == "1.6 gigapixels")
        #expect(PixelLimit.describe(100_000_000) == "100 megapixels")
        #expect(PixelLimit.describe(12_345_678) == "12.3 megapixels")
        #expect(PixelLimit.describe(4096) == "4096 pixels")
    }

    @Test("Random byte flips never crash: success or ImageError", arguments: ["png", "png-crc-fixed", "png-stored", "jpeg", "progressive"])
    func fuzz(kind: String) throws {
        var rng = TestRandom(seed: 2024)
        let original: [UInt8] = switch kind {
        case "jpeg": Self.jpeg
        case "progressive": try fixtureBytes("rgb_progressive.jpg")
        case "png-stored": Self.storedPNG
        default: Self.png
        }
        let chunks = Self.chunks(original)
        var failures = 0
        for _ in 0..<200 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
            }
            // Plain flips mostly end at a CRC check; re-sealing the CRCs gets the damage past it,
            // into zlib, where the Adler-32 check stops most of it. "png-stored" holds its rows
            // uncompressed and re-seals the Adler-32 too, so the damage reaches the row filters,
            // the IHDR fields and the pixel values.
            if kind == "png-crc-fixed" { Self.fixCRCs(&bytes, chunks: chunks) }
            if kind == "png-stored" {
                Self.fixAdler(&bytes, idat: chunks[1])
                Self.fixCRCs(&bytes, chunks: chunks)
            }
            do {
                let (image, _) = try ImageIO.decode(bytes, name: "fuzz", maxPixels: 1 << 20)
                #expect(image.pixels.count == image.width * image.height * image.channels)
            } catch let error as ImageError {
                #expect(error.file == "fuzz")
                #expect(!error.reason.contains("internal error"), "\(error.reason)")
                failures += 1
            }
        }
        #expect(failures > 0) // the damage was noticed at least sometimes
    }

    /// A 16x16 RGB 8-bit PNG whose IDAT is one stored (uncompressed) deflate block.
    static let storedPNG: [UInt8] = {
        var rng = TestRandom(seed: 5)
        var raw: [UInt8] = []
        for _ in 0..<16 { raw += [UInt8.random(in: 0...4, using: &rng)] + (0..<48).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let n = UInt16(raw.count)
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8(~n >> 8)] + raw
        zlib += bigEndian(adler32(raw))
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
        }
        return [137, 80, 78, 71, 13, 10, 26, 10]
            + chunk("IHDR", bigEndian(16) + bigEndian(16) + [8, 2, 0, 0, 0])
            + chunk("IDAT", zlib) + chunk("IEND", [])
    }()

    /// Recomputes the Adler-32 of a single stored block filling the IDAT.
    static func fixAdler(_ bytes: inout [UInt8], idat: (type: String, offset: Int, length: Int)) {
        let data = idat.offset + 8, end = data + idat.length
        bytes.replaceSubrange(end - 4..<end, with: bigEndian(adler32(Array(bytes[data + 7..<end - 4]))))
    }

    static func fixCRCs(_ bytes: inout [UInt8], chunks: [(type: String, offset: Int, length: Int)]) {
        for chunk in chunks {
            let start = chunk.offset + 4, end = start + 4 + chunk.length
            guard end + 4 <= bytes.count else { continue }
            let crc = crc32(Array(bytes[start..<end]))
            bytes[end] = UInt8(crc >> 24); bytes[end + 1] = UInt8(crc >> 16 & 255)
            bytes[end + 2] = UInt8(crc >> 8 & 255); bytes[end + 3] = UInt8(crc & 255)
        }
    }
}

/// CRC-32 as PNG uses it (ISO 3309, reflected, polynomial 0xEDB88320).
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    return b << 16 | a
}

func bigEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
}
