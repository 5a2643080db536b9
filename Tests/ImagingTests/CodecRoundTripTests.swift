import Foundation
import Testing
@testable import Imaging

struct PNGLayout: CustomStringConvertible, Sendable {
    var channels: Int
    var alpha: Bool
    var depth: Int
    var colorType: String {
        channels == 1 ? (alpha ? "gray+alpha" : "gray") : (alpha ? "rgba" : "rgb")
    }
    var description: String { "\(colorType) \(depth)-bit" }

    static let all: [PNGLayout] = [1, 3].flatMap { c in
        [false, true].flatMap { a in [8, 16].map { PNGLayout(channels: c, alpha: a, depth: $0) } }
    }
}

@Suite("PNG and JPEG round trips")
struct CodecRoundTripTests {
    @Test("PNG write then read gives the image back exactly", arguments: PNGLayout.all)
    func pngRoundTripIsExact(layout: PNGLayout) throws {
        let image = levelImage(width: 37, height: 23, channels: layout.channels, alpha: layout.alpha,
                               maxLevel: layout.depth == 16 ? 65535 : 255, seed: UInt64(layout.depth * 10 + layout.channels))
        try withTemporaryDirectory { dir in
            let path = dir + "/out.png"
            try ImageIO.write(image, to: path, format: .png, bitDepth: layout.depth)
            let (decoded, info) = try ImageIO.read(path)
            #expect(decoded == image)
            #expect(info == ImageSourceInfo(format: .png, bitDepth: layout.depth,
                                            colorType: layout.colorType, interlaced: false))
            let header = try ImageIO.readHeader(path)
            #expect(header == ImageHeader(width: 37, height: 23, channels: layout.channels,
                                          hasAlpha: layout.alpha, info: info))
        }
        // The same through memory.
        let bytes = try ImageIO.encode(image, format: .png, bitDepth: layout.depth)
        #expect(try ImageIO.decode(bytes).image == image)
    }

    @Test("A large PNG crosses several decode and encode strips and stays exact")
    func multiStripRoundTrip() throws {
        // 1200 x 400 RGBA 16-bit: 9600 bytes a row, so ~109 rows a strip and 4 strips.
        let image = levelImage(width: 1200, height: 400, channels: 3, alpha: true, maxLevel: 65535, seed: 7)
        let bytes = try ImageIO.encode(image, format: .png, bitDepth: 16)
        #expect(try ImageIO.decode(bytes).image == image)
    }

    @Test("Quantising rounds to the nearest level; a second round trip is exact")
    func quantisationRoundsToNearest() throws {
        var rng = TestRandom(seed: 42)
        let pixels = (0..<(19 * 11 * 3)).map { _ in Float.random(in: 0...1, using: &rng) }
        let image = Image(width: 19, height: 11, channels: 3, pixels: pixels)
        for (depth, scale) in [(8, Float(255)), (16, Float(65535))] {
            let once = try ImageIO.decode(ImageIO.encode(image, format: .png, bitDepth: depth)).image
            for (original, decoded) in zip(image.pixels, once.pixels) {
                #expect(decoded == (original * scale).rounded() / scale)
            }
            let twice = try ImageIO.decode(ImageIO.encode(once, format: .png, bitDepth: depth)).image
            #expect(twice == once)
        }
    }

    @Test("Out-of-range values are clamped and NaN becomes 0")
    func clampingAndNaN() throws {
        let image = Image(width: 5, height: 1, channels: 1, pixels: [-0.5, 1.5, .nan, 0.5, .infinity],
                          alpha: [2, -1, .nan, 0.25, 1])
        let decoded = try ImageIO.decode(ImageIO.encode(image, format: .png)).image
        #expect(decoded.pixels == [0, 1, 0, Float(128) / 255, 1])
        #expect(decoded.alpha == [1, 0, 0, Float(64) / 255, 1])
    }

    @Test("16 bits keep what 8 bits cannot")
    func sixteenBitsKeepFineLevels() throws {
        let image = Image(width: 2, height: 1, channels: 1, pixels: [1 / 65535, 65534 / 65535])
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .png, bitDepth: 16)).image == image)
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .png, bitDepth: 8)).image.pixels == [0, 1])
    }

    @Test("Depths below 8 are written as 8-bit PNG", arguments: [1, 2, 4])
    func subEightBitDepthsArePromoted(depth: Int) throws {
        let image = levelImage(width: 4, height: 4, channels: 1, alpha: false, maxLevel: 255, seed: 3)
        let (decoded, info) = try ImageIO.decode(ImageIO.encode(image, format: .png, bitDepth: depth))
        #expect(info.bitDepth == 8)
        #expect(decoded == image)
    }

    @Test("JPEG round trip stays close at quality 95 and 100", arguments: [1, 3], [95, 100])
    func jpegRoundTrip(channels: Int, quality: Int) throws {
        let image = smoothImage(width: 64, height: 48, channels: channels)
        try withTemporaryDirectory { dir in
            let path = dir + "/out.jpg"
            try ImageIO.write(image, to: path, format: .jpeg, jpegQuality: quality)
            let (decoded, info) = try ImageIO.read(path)
            #expect(info == ImageSourceInfo(format: .jpeg, bitDepth: 8,
                                            colorType: channels == 1 ? "gray" : "rgb", interlaced: false))
            #expect(decoded.width == 64 && decoded.height == 48 && decoded.channels == channels)
            #expect(decoded.alpha == nil)
            // Measured on this image (libjpeg-turbo 2.1.5, 4:4:4): gray max 1.3 (q95) and 1.5 (q100)
            // levels, PSNR 56 dB; RGB max 3.3 and 3.4 levels, PSNR 50 dB. RGB is worse even at
            // q100 because the 8-bit YCbCr round trip itself loses up to ~2 levels. The margins
            // below are for gross errors (a swapped channel, a wrong scale, lost precision).
            let maxError = maxAbsDifference(decoded.pixels, image.pixels) * 255
            #expect(maxError <= (channels == 1 ? 2.5 : 5), "max error \(maxError) levels")
            #expect(psnr(decoded.pixels, image.pixels) > (channels == 1 ? 52 : 46))
        }
    }

    @Test("Alpha is dropped when writing JPEG")
    func jpegDropsAlpha() throws {
        var image = smoothImage(width: 16, height: 16, channels: 3)
        image.alpha = [Float](repeating: 0.5, count: 256)
        let decoded = try ImageIO.decode(ImageIO.encode(image, format: .jpeg)).image
        #expect(decoded.channels == 3)
        #expect(decoded.alpha == nil)
        #expect(maxAbsDifference(decoded.pixels, image.pixels) * 255 <= 4)
    }

    @Test("The format is decided by the bytes, not the file name")
    func formatFromMagicBytes() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/actually-a-jpeg.png"
            try ImageIO.write(smoothImage(width: 8, height: 8, channels: 3), to: path, format: .jpeg)
            #expect(try ImageIO.read(path).info.format == .jpeg)
            let other = dir + "/actually-a-png.jpg"
            try ImageIO.write(smoothImage(width: 8, height: 8, channels: 3), to: other, format: .png)
            #expect(try ImageIO.read(other).info.format == .png)
        }
    }

    @Test("Bad write options are refused with a reason")
    func badWriteOptions() throws {
        let image = smoothImage(width: 4, height: 4, channels: 3)
        try withTemporaryDirectory { dir in
            let path = dir + "/x.jpg"
            expectImageError(file: path, reason: "JPEG quality 0") {
                try ImageIO.write(image, to: path, format: .jpeg, jpegQuality: 0)
            }
            expectImageError(file: path, reason: "JPEG quality 101") {
                try ImageIO.write(image, to: path, format: .jpeg, jpegQuality: 101)
            }
            expectImageError(file: path, reason: "bit depth 12") {
                try ImageIO.write(image, to: path, format: .png, bitDepth: 12)
            }
            #expect(!FileManager.default.fileExists(atPath: path))
            let missing = dir + "/no/such/folder/x.png"
            expectImageError(file: missing, reason: "cannot create: No such file or directory") {
                try ImageIO.write(image, to: missing, format: .png)
            }
            var broken = image
            broken.pixels.removeLast()
            expectImageError(file: path, reason: "inconsistent image") {
                try ImageIO.write(broken, to: path, format: .png)
            }
        }
    }
}
