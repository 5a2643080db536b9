import Foundation
import SystemPackage
import Testing
@testable import Imaging

/// The fixture TIFFs' sample values (Fixtures/make_tiff_fixtures.py, `value`), on the [0, 1] scale.
func tiffFixtureValue(_ kind: Int, x: Int, y: Int, s: Int) -> Float {
    switch kind {
    case 8: Float((x * 11 + y * 7 + s * 60) % 256) / 255
    case 16: Float((x * 3001 + y * 257 + s * 9000) % 65536) / 65535
    default: Float((x * 3 + y * 5 + s * 7) % 17) / 16
    }
}

struct TIFFFixture: CustomStringConvertible, Sendable {
    var name: String
    var width: Int, height: Int, channels: Int, alpha: Bool
    var kind: Int // 8, 16 or 32 (float)
    var colorType: String
    var description: String { name }

    static let layouts: [TIFFFixture] = [
        .init(name: "gray8_strips_none.tif", width: 19, height: 13, channels: 1, alpha: false, kind: 8, colorType: "gray"),
        .init(name: "gray16_strips_lzw_be.tif", width: 19, height: 13, channels: 1, alpha: false, kind: 16, colorType: "gray"),
        .init(name: "rgb8_tiles_deflate.tif", width: 37, height: 21, channels: 3, alpha: false, kind: 8, colorType: "rgb"),
        .init(name: "rgba16_tiles_lzw_be.tif", width: 37, height: 21, channels: 3, alpha: true, kind: 16, colorType: "rgba"),
        .init(name: "rgb16_planar_deflate.tif", width: 19, height: 13, channels: 3, alpha: false, kind: 16, colorType: "rgb"),
        .init(name: "rgba8_planar_tiles_lzw.tif", width: 37, height: 21, channels: 3, alpha: true, kind: 8, colorType: "rgba"),
        .init(name: "gray32f_strips_deflate.tif", width: 19, height: 13, channels: 1, alpha: false, kind: 32, colorType: "gray"),
        .init(name: "rgb32f_tiles_none_be.tif", width: 37, height: 21, channels: 3, alpha: false, kind: 32, colorType: "rgb"),
        .init(name: "gray16_bigtiff_lzw.tif", width: 19, height: 13, channels: 1, alpha: false, kind: 16, colorType: "gray"),
    ]

    /// The image the fixture was made from: colour samples 0..<channels, alpha the next one.
    var expected: Image {
        var image = Image(width: width, height: height, channels: channels)
        var alphaPlane = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { image[c, y, x] = tiffFixtureValue(kind, x: x, y: y, s: c) }
                alphaPlane[y * width + x] = tiffFixtureValue(kind, x: x, y: y, s: channels)
            }
        }
        if alpha { image.alpha = alphaPlane }
        return image
    }
}

@Suite("TIFF reading and writing")
struct TIFFCodecTests {
    @Test("Strips, tiles, separate planes, none/LZW/Deflate, both byte orders, BigTIFF, 8/16-bit and float decode exactly",
          arguments: TIFFFixture.layouts)
    func fixtureDecodesExactly(layout: TIFFFixture) throws {
        let (image, info) = try ImageIO.read(fixture(layout.name))
        #expect(info == ImageSourceInfo(format: .tiff, bitDepth: layout.kind, colorType: layout.colorType, interlaced: false))
        #expect(image == layout.expected)
        let header = try ImageIO.readHeader(fixture(layout.name))
        #expect(header == ImageHeader(width: layout.width, height: layout.height, channels: layout.channels,
                                      hasAlpha: layout.alpha, info: info))
    }

    @Test("Read through an open descriptor, from its start, whatever was read before")
    func readFromDescriptor() throws {
        let layout = TIFFFixture.layouts[3]
        let fd = try FileDescriptor.open(fixture(layout.name), .readOnly)
        defer { try? fd.close() }
        var scratch = [UInt8](repeating: 0, count: 100)
        _ = try scratch.withUnsafeMutableBytes { try fd.read(into: $0) }
        #expect(try ImageIO.read(fd, name: "open.tif").image == layout.expected)
    }

    @Test("Associated alpha is divided out: the colour planes hold straight colour")
    func associatedAlpha() throws {
        let (image, info) = try ImageIO.read(fixture("graya8_associated.tif"))
        #expect(info.colorType == "gray+alpha")
        #expect(image.alpha == [0, 128, 255, 200].map { Float($0) / 255 })
        // Stored premultiplied 0, 64, 128, 100 under those alphas.
        let straight: [Float] = [0, 64.0 / 128, 128.0 / 255, 100.0 / 200]
        #expect(maxAbsDifference(image.pixels, straight) < 1e-6, "\(image.pixels)")
    }

    @Test("MinIsWhite gray is inverted to the usual scale")
    func minIsWhite() throws {
        let image = try ImageIO.read(fixture("gray8_miniswhite.tif")).image
        #expect(image.pixels == [255, 0, 200, 55].map { Float($0) / 255 })
    }

    @Test("A multi-page TIFF is refused, naming the file and the reason; a reduced-resolution preview is not a page")
    func multiPage() throws {
        let path = fixture("gray8_two_pages.tif")
        let reason = "unsupported TIFF: multi-page TIFF: only single-page files are read; split it into one file per page"
        expectImageError(file: path, reason: reason) { _ = try ImageIO.read(path) }
        expectImageError(file: path, reason: reason) { _ = try ImageIO.readHeader(path) }
        let preview = try ImageIO.read(fixture("gray8_with_preview.tif")).image
        #expect(preview.width == 8 && preview.height == 8)
        #expect(preview.pixels == (0..<64).map { tiffFixtureValue(8, x: $0 % 8, y: $0 / 8, s: 0) })
    }

    @Test("Float samples outside 0...1, palette TIFFs, 17 samples a pixel and extra channels are refused with the reason")
    func refusedLayouts() throws {
        // Channels beyond gray or RGB and an alpha are refused, header first, not dropped: the
        // output would hold less than the input (three fluorescence dyes as one gray image, an
        // unspecified fourth sample of RGB, RGBA and one more).
        for (name, reason) in [
            ("gray16_3_channels.tif", "3 samples per pixel: 2 channels besides the gray would be lost"),
            ("rgbx8_unspecified.tif", "4 samples per pixel: 1 channel besides the RGB would be lost"),
            ("rgba8_and_one_more.tif", "5 samples per pixel: 1 channel besides the RGB and its alpha would be lost"),
        ] {
            let path = fixture(name)
            let full = "unsupported TIFF: \(reason) (gray or RGB, with or without alpha, is read)"
            expectImageError(file: path, reason: full) { _ = try ImageIO.readHeader(path) }
            expectImageError(file: path, reason: full) { _ = try ImageIO.read(path) }
        }
        let wide = fixture("gray8_17_samples.tif")
        expectImageError(file: wide, reason: "unsupported TIFF: 17 samples per pixel (at most 16 are read)") {
            _ = try ImageIO.read(wide)
        }
        let outside = fixture("gray32f_outside.tif")
        expectImageError(file: outside, reason: "32-bit float samples of -1.0 to 2.0; float TIFFs are read with samples in 0...1") {
            _ = try ImageIO.read(outside)
        }
        let palette = fixture("palette8.tif")
        expectImageError(file: palette, reason: "unsupported TIFF: palette TIFF (only gray and RGB are read)") {
            _ = try ImageIO.read(palette)
        }
    }

    @Test("TIFF write then read gives the image back exactly", arguments: PNGLayout.all)
    func roundTripIsExact(layout: PNGLayout) throws {
        let image = levelImage(width: 41, height: 29, channels: layout.channels, alpha: layout.alpha,
                               maxLevel: layout.depth == 16 ? 65535 : 255, seed: UInt64(layout.depth * 10 + layout.channels + 1))
        try withTemporaryDirectory { dir in
            let path = dir + "/out.tiff"
            try ImageIO.write(image, to: path, format: .tiff, bitDepth: layout.depth)
            let (decoded, info) = try ImageIO.read(path)
            #expect(decoded == image)
            #expect(info == ImageSourceInfo(format: .tiff, bitDepth: layout.depth, colorType: layout.colorType, interlaced: false))
            // Deflate (8) with the horizontal predictor (2), as documented.
            let tags = try TIFFTags(Array(Data(contentsOf: URL(fileURLWithPath: path))))
            #expect(tags.value(259) == 8 && tags.value(317) == 2)
            #expect(tags.value(338) == (layout.alpha ? 2 : nil)) // unassociated alpha
        }
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .tiff, bitDepth: layout.depth)).image == image)
    }

    @Test("A large TIFF crosses many strips and the encoder's and decoder's buffers, and stays exact")
    func multiStripRoundTrip() throws {
        let image = levelImage(width: 1200, height: 400, channels: 3, alpha: true, maxLevel: 65535, seed: 9)
        let bytes = try ImageIO.encode(image, format: .tiff, bitDepth: 16)
        #expect(try TIFFTags(bytes).count(273) > 100) // many strips
        #expect(try ImageIO.decode(bytes).image == image)
    }

    @Test("The ICC profile is carried through a TIFF")
    func iccProfile() throws {
        let profile = try fixtureBytes("srgb.icc")
        let image = levelImage(width: 4, height: 4, channels: 3, alpha: false, maxLevel: 255, seed: 1)
        let bytes = try ImageIO.encode(image, format: .tiff, iccProfile: profile)
        #expect(try ImageIO.decode(bytes).info.iccProfile == profile)
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .tiff)).info.iccProfile == nil)
    }

    @Test("A float TIFF and a 16-bit PNG write back as 16-bit TIFF and PNG")
    func depthCarriedAcrossFormats() throws {
        let float = try ImageIO.read(fixture("gray32f_strips_deflate.tif")).image
        let again = try ImageIO.decode(ImageIO.encode(float, format: .tiff, bitDepth: 16))
        #expect(again.info.bitDepth == 16)
        #expect(maxAbsDifference(again.image.pixels, float.pixels) <= 0.5 / 65535 + 1e-7)
    }

    @Test("A full disk is reported with its errno, not as a bad image")
    func fullDisk() throws {
        let image = levelImage(width: 256, height: 256, channels: 3, alpha: false, maxLevel: 255, seed: 4)
        do {
            try ImageIO.write(image, to: "/dev/full", format: .tiff)
            Issue.record("writing to /dev/full succeeded")
        } catch let error as ImageError {
            #expect(error.file == "/dev/full")
            #expect(error.systemErrno == ENOSPC, "\(error.reason)")
            #expect(error.reason.contains("No space left on device"), "\(error.reason)")
        }
        #expect(FileManager.default.fileExists(atPath: "/dev/full")) // not unlinked
    }

    @Test("The extension picks the written format; reading goes by the bytes")
    func extensionsAndMagic() throws {
        #expect(ImageSourceInfo.Format(fileExtension: "TIF") == .tiff)
        #expect(ImageSourceInfo.Format(fileExtension: "tiff") == .tiff)
        try withTemporaryDirectory { dir in
            let image = levelImage(width: 8, height: 8, channels: 3, alpha: false, maxLevel: 255, seed: 2)
            let tiffAsPNG = dir + "/actually-a-tiff.png"
            try ImageIO.write(image, to: tiffAsPNG, format: .tiff)
            #expect(try ImageIO.read(tiffAsPNG).info.format == .tiff)
            let pngAsTIFF = dir + "/actually-a-png.tif"
            try ImageIO.write(image, to: pngAsTIFF, format: .png)
            #expect(try ImageIO.read(pngAsTIFF).info.format == .png)
            expectImageError(file: dir + "/x.tif", reason: "bit depth 12") { // 8 and 16 are written
                try ImageIO.write(image, to: dir + "/x.tif", format: .tiff, bitDepth: 12)
            }
        }
    }
}
