import Foundation
import Synchronization
import Testing
@testable import Imaging

/// Damaged and hostile TIFFs: each must give an ImageError that names the file and says why, and
/// nothing may crash.
@Suite("Corrupt and hostile TIFFs")
struct TIFFCorruptionTests {
    static let written = try! ImageIO.encode(levelImage(width: 32, height: 32, channels: 3, alpha: false,
                                                        maxLevel: 255, seed: 21), format: .tiff)

    static func bytes(_ kind: String) throws -> [UInt8] {
        switch kind {
        case "written": written
        case "tiles-lzw": try fixtureBytes("rgba16_tiles_lzw_be.tif")
        case "planar": try fixtureBytes("rgb16_planar_deflate.tif")
        case "float": try fixtureBytes("gray32f_strips_deflate.tif")
        case "bigtiff": try fixtureBytes("gray16_bigtiff_lzw.tif")
        default: try fixtureBytes("gray8_strips_none.tif")
        }
    }

    @Test("Truncated in the header, the pixel data and the directory")
    func truncated() throws {
        let bytes = Self.written
        try withTemporaryDirectory { dir in
            func expectCut(_ length: Int, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                let path = dir + "/cut-\(length).tif"
                try writeBytes(Array(bytes.prefix(length)), to: path)
                expectImageError(file: path, reason: reason, sourceLocation: sourceLocation) { _ = try ImageIO.read(path) }
            }
            try expectCut(0, "empty file (0 bytes)")
            try expectCut(3, "truncated TIFF: the file ends inside the TIFF header")
            try expectCut(4, "truncated or corrupt TIFF")
            try expectCut(8, "truncated or corrupt TIFF")
            try expectCut(bytes.count / 2, "truncated or corrupt TIFF")
            try expectCut(bytes.count - 1, "truncated or corrupt TIFF")
        }
    }

    @Test("Every proper prefix of a valid TIFF is refused", arguments: ["written", "tiles-lzw", "planar", "float", "bigtiff", "none"])
    func everyPrefixRefused(kind: String) throws {
        let bytes = try Self.bytes(kind)
        #expect(try ImageIO.decode(bytes).image.width > 0)
        var accepted: [Int] = []
        for length in 0..<bytes.count {
            do {
                _ = try ImageIO.decode(Array(bytes.prefix(length)), name: "prefix")
                accepted.append(length)
            } catch let error as ImageError {
                #expect(error.file == "prefix")
                #expect(!error.reason.contains("internal error"), "\(error.reason)")
            }
        }
        #expect(accepted.isEmpty, "\(kind): prefixes of \(accepted) of \(bytes.count) bytes were accepted")
    }

    @Test("Random byte flips never crash: success or ImageError", arguments: ["written", "tiles-lzw", "planar", "float", "bigtiff", "none"])
    func flips(kind: String) throws {
        var rng = TestRandom(seed: 77)
        let original = try Self.bytes(kind)
        var failures = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            do {
                let (image, _) = try ImageIO.decode(bytes, name: "fuzz", maxPixels: 1 << 20)
                #expect(image.pixels.count == image.width * image.height * image.channels)
                #expect(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
            } catch let error as ImageError {
                #expect(error.file == "fuzz")
                #expect(!error.reason.contains("internal error"), "\(error.reason)")
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test("Zeroed bytes: the directory or the compressed data")
    func zeroRuns() throws {
        let bytes = Self.written
        let tags = try TIFFTags(bytes)
        var noDirectory = bytes
        for i in tags.entries[0].entryOffset - 2..<tags.entries.last!.entryOffset + 12 { noDirectory[i] = 0 }
        expectImageError(file: "zeroed", reason: "truncated or corrupt TIFF") { _ = try ImageIO.decode(noDirectory, name: "zeroed") }
        var noData = bytes
        for i in 8..<min(bytes.count, 8 + 200) { noData[i] = 0 } // the first Deflate strip
        expectImageError(file: "zeroed", reason: "truncated or corrupt TIFF") { _ = try ImageIO.decode(noData, name: "zeroed") }
        expectImageError(file: "zeros", reason: "not a PNG, JPEG or TIFF file") { _ = try ImageIO.decode([UInt8](repeating: 0, count: 4096), name: "zeros") }
    }

    @Test("A TIFF declaring 100000x100000 is refused by the pixel limit, before allocating")
    func absurdDimensions() throws {
        // One strip of 100000 rows, so that the directory is consistent and only the size lies.
        let single = try TIFFTags(try fixtureBytes("gray32f_strips_deflate.tif"))
        let huge = try TIFFTags(TIFFTags(single.patched(256, to: 100_000)).patched(257, to: 100_000)).patched(278, to: 100_000)
        try withTemporaryDirectory { dir in
            let path = dir + "/huge.tif"
            try writeBytes(huge, to: path)
            let header = try ImageIO.readHeader(path)
            #expect(header.width == 100_000 && header.height == 100_000 && header.info.format == .tiff)
            expectImageError(file: path, reason: "image is 100000x100000 = 10 gigapixels, above the limit of 100 megapixels (max_pixels)") {
                _ = try ImageIO.read(path)
            }
        }
        // Under the limit but with 13 rows' worth of data: a decode error, quickly.
        let tall = try TIFFTags(TIFFTags(single.patched(257, to: 3000)).patched(256, to: 3000)).patched(278, to: 3000)
        expectImageError(file: "tall", reason: "truncated or corrupt TIFF") { _ = try ImageIO.decode(tall, name: "tall") }
    }

    @Test("Tiles declared far larger than the image are refused before they are allocated")
    func hugeTiles() throws {
        let tags = try TIFFTags(try fixtureBytes("rgb8_tiles_deflate.tif"))
        let bytes = try TIFFTags(tags.patched(322, to: 1 << 16)).patched(323, to: 1 << 16)
        do {
            _ = try ImageIO.decode(bytes, name: "tiles")
            Issue.record("65536x65536 tiles were accepted")
        } catch let error as ImageError {
            #expect(error.file == "tiles" && error.reason.contains("TIFF"), "\(error.reason)")
        }
    }

    @Test("Strip or tile offsets fewer than the image needs are refused (libtiff would read the missing ones from byte 0)")
    func missingOffsets() throws {
        let strips = try TIFFTags(try fixtureBytes("gray8_strips_none.tif")) // 3 strips
        expectImageError(file: "strips", reason: "truncated or corrupt TIFF: TIFFFetchStripThing: Incorrect count for \"StripOffsets\"") {
            _ = try ImageIO.decode(strips.patchedCount(273, to: 2), name: "strips")
        }
        let tiles = try TIFFTags(try fixtureBytes("rgb8_tiles_deflate.tif")) // 6 tiles
        expectImageError(file: "tiles", reason: "Incorrect count for \"TileOffsets\"") {
            _ = try ImageIO.decode(tiles.patchedCount(324, to: 5), name: "tiles")
        }
        // A byte count that looks wrong is recomputed by libtiff from the layout: the right pixels.
        #expect(try ImageIO.decode(strips.patchedCount(279, to: 2)).image == TIFFFixture.layouts[0].expected)
    }

    @Test("maxPixels is enforced from the header for TIFF")
    func maxPixels() throws {
        expectImageError(file: "t", reason: "image is 32x32 = 1024 pixels, above the limit of 1023 pixels (max_pixels)") {
            _ = try ImageIO.decode(Self.written, name: "t", maxPixels: 1023)
        }
        #expect(try ImageIO.decode(Self.written, name: "t", maxPixels: 1024).image.width == 32)
    }

    @Test("Concurrent TIFF decodes keep their own error messages (per-handle handlers)")
    func concurrentErrors() throws {
        let good = [Self.written, try fixtureBytes("rgba16_tiles_lzw_be.tif")]
        var zeroed = Self.written
        for i in 8..<208 { zeroed[i] = 0 } // the first Deflate strip
        let bad = [Array(Self.written.prefix(Self.written.count / 2)), try fixtureBytes("gray8_two_pages.tif"), zeroed]
        func outcome(_ bytes: [UInt8]) -> String {
            do { return "ok \(try ImageIO.decode(bytes).image.pixels.count)" } catch { return "\(error)" }
        }
        let expected = (good + bad).map(outcome)
        #expect(Set(expected).count == expected.count, "\(expected)") // five different outcomes to tell apart
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 100) { i in
            let k = i % expected.count
            if outcome((good + bad)[k]) != expected[k] { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }
}
