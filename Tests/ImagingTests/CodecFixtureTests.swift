import Foundation
import Testing
@testable import Imaging

/// Files our writer cannot produce, decoded against the values they were made with (see
/// Fixtures/README.md).
@Suite("Reading fixture files")
struct CodecFixtureTests {
    func read(_ name: String) throws -> (image: Image, info: ImageSourceInfo) {
        try ImageIO.read(fixture(name))
    }

    @Test("1-bit gray scales 0/1 to 0/1")
    func gray1() throws {
        let (image, info) = try read("gray1.png")
        #expect(info == ImageSourceInfo(format: .png, bitDepth: 1, colorType: "gray", interlaced: false))
        #expect(image.width == 9 && image.height == 2 && image.channels == 1 && image.alpha == nil)
        #expect(image.pixels == [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0])
    }

    @Test("2-bit gray scales by 3, so 3 is 1.0")
    func gray2() throws {
        let (image, info) = try read("gray2.png")
        #expect(info.bitDepth == 2 && info.colorType == "gray")
        #expect(image.pixels == [0, 1, 2, 3, 3, 2, 1, 0].map { Float($0) / 3 })
    }

    @Test("4-bit gray scales by 15")
    func gray4() throws {
        let (image, info) = try read("gray4.png")
        #expect(info.bitDepth == 4)
        #expect(image.pixels == (0..<16).map { Float($0) / 15 })
    }

    @Test("tRNS on 2-bit gray becomes alpha")
    func gray2WithTransparency() throws {
        let (image, info) = try read("gray2_trns.png")
        #expect(info.colorType == "gray" && info.bitDepth == 2)
        #expect(image.pixels == [0, 1, 2, 3].map { Float($0) / 3 })
        #expect(image.alpha == [1, 0, 1, 1])
    }

    @Test("tRNS on 8-bit gray becomes alpha")
    func gray8WithTransparency() throws {
        let (image, _) = try read("gray8_trns.png")
        #expect(image.pixels == [Float(7) / 255, Float(8) / 255, 1])
        #expect(image.alpha == [0, 1, 1])
    }

    @Test("tRNS on 16-bit RGB becomes alpha; samples map to v/65535")
    func rgb16WithTransparency() throws {
        let (image, info) = try read("rgb16_trns.png")
        #expect(info == ImageSourceInfo(format: .png, bitDepth: 16, colorType: "rgb", interlaced: false))
        #expect(image.channels == 3)
        let f = { (v: Int) in Float(v) / 65535 }
        #expect(image.pixels == [f(1), 1, f(2), 0, f(3), f(32768)]) // planar: R R, G G, B B
        #expect(image.alpha == [0, 1])
    }

    @Test("A palette with tRNS decodes to RGB plus alpha")
    func paletteWithTransparency() throws {
        let (image, info) = try read("palette_trns.png")
        #expect(info == ImageSourceInfo(format: .png, bitDepth: 8, colorType: "palette", interlaced: false))
        #expect(image.channels == 3)
        let f = { (v: Int) in Float(v) / 255 }
        #expect(image.pixels == [1, 0, 0, f(10), 0, 1, 0, f(20), 0, 0, 1, f(30)])
        #expect(image.alpha == [0, f(128), 1, 1])
    }

    @Test("A 4-bit palette without tRNS decodes to RGB, no alpha")
    func palette4() throws {
        let (image, info) = try read("palette4.png")
        #expect(info.bitDepth == 4 && info.colorType == "palette")
        #expect(image.alpha == nil)
        let palette: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [10, 20, 30].map { Float($0) / 255 }]
        let indices = [3, 2, 1, 0, 1, 3]
        for c in 0..<3 {
            for (i, index) in indices.enumerated() {
                #expect(image.pixels[c * 6 + i] == palette[index][c])
            }
        }
    }

    @Test("Adam7-interlaced 8-bit RGB")
    func interlacedRGB() throws {
        let (image, info) = try read("rgb8_adam7.png")
        #expect(info == ImageSourceInfo(format: .png, bitDepth: 8, colorType: "rgb", interlaced: true))
        for y in 0..<9 {
            for x in 0..<9 {
                #expect(image[0, y, x] == Float(x * 20) / 255)
                #expect(image[1, y, x] == Float(y * 20) / 255)
                #expect(image[2, y, x] == Float((x + y) * 10) / 255)
            }
        }
    }

    @Test("Adam7-interlaced 16-bit gray+alpha")
    func interlacedGrayAlpha16() throws {
        let (image, info) = try read("graya16_adam7.png")
        #expect(info == ImageSourceInfo(format: .png, bitDepth: 16, colorType: "gray+alpha", interlaced: true))
        let alpha = try #require(image.alpha)
        for y in 0..<5 {
            for x in 0..<5 {
                #expect(image[0, y, x] == Float(x * 10000 + y) / 65535)
                #expect(alpha[y * 5 + x] == Float(65535 - y * 1000) / 65535)
            }
        }
    }

    @Test("Progressive RGB JPEG")
    func progressiveRGB() throws {
        let (image, info) = try read("rgb_progressive.jpg")
        #expect(info == ImageSourceInfo(format: .jpeg, bitDepth: 8, colorType: "rgb", interlaced: true))
        #expect(image.width == 16 && image.height == 16 && image.channels == 3)
        for y in 0..<16 {
            for x in 0..<16 {
                let expected: [Float] = x < 8 ? [200, 100, 50] : [20, 60, 220]
                for c in 0..<3 {
                    #expect(abs(image[c, y, x] * 255 - expected[c]) <= 3, "(\(x),\(y)) channel \(c)")
                }
            }
        }
    }

    @Test("Gray JPEG, baseline and progressive", arguments: [("gray.jpg", false), ("gray_progressive.jpg", true)])
    func grayJPEG(name: String, progressive: Bool) throws {
        let (image, info) = try read(name)
        #expect(info == ImageSourceInfo(format: .jpeg, bitDepth: 8, colorType: "gray", interlaced: progressive))
        #expect(image.channels == 1 && image.alpha == nil)
        for y in 0..<16 {
            for x in 0..<16 {
                #expect(abs(image[0, y, x] * 255 - (x < 8 ? 50 : 200)) <= 2)
            }
        }
    }

    @Test("CMYK JPEG is refused, by read and by readHeader")
    func cmykRefused() {
        let path = fixture("cmyk.jpg")
        expectImageError(file: path, reason: "CMYK JPEG is not supported; convert to RGB") {
            _ = try ImageIO.read(path)
        }
        expectImageError(file: path, reason: "CMYK JPEG is not supported; convert to RGB") {
            _ = try ImageIO.readHeader(path)
        }
    }

    @Test("readHeader reports each fixture's layout without decoding")
    func headers() throws {
        let cases: [(String, Int, Int, Int, Bool)] = [
            ("gray1.png", 9, 2, 1, false), ("gray2_trns.png", 4, 1, 1, true),
            ("palette_trns.png", 4, 1, 3, true), ("palette4.png", 3, 2, 3, false),
            ("rgb16_trns.png", 2, 1, 3, true), ("graya16_adam7.png", 5, 5, 1, true),
            ("rgb_progressive.jpg", 16, 16, 3, false), ("gray.jpg", 16, 16, 1, false),
        ]
        for (name, width, height, channels, alpha) in cases {
            let header = try ImageIO.readHeader(fixture(name))
            #expect(header.width == width && header.height == height, "\(name)")
            #expect(header.channels == channels && header.hasAlpha == alpha, "\(name)")
            let (image, info) = try read(name)
            #expect(header.info == info, "\(name)")
            #expect(image.channels == channels && (image.alpha != nil) == alpha, "\(name)")
        }
    }

    @Test("The ICC profile is read from PNG and written into PNG and JPEG")
    func iccProfileCarried() throws {
        let profile = try fixtureBytes("srgb.icc")
        let (image, info) = try read("rgb_icc.png")
        #expect(info.iccProfile == profile)
        for format in [ImageSourceInfo.Format.png, .jpeg] {
            let bytes = try ImageIO.encode(image, format: format, iccProfile: info.iccProfile)
            #expect(try ImageIO.decode(bytes).info.iccProfile == profile, "\(format)")
            let plain = try ImageIO.encode(image, format: format)
            #expect(try ImageIO.decode(plain).info.iccProfile == nil, "\(format)")
        }
        // The profile is not part of the serialised info (the sidecar).
        let json = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(!json.contains("icc"))
        #expect(try JSONDecoder().decode(ImageSourceInfo.self, from: Data(json.utf8)).iccProfile == nil)
    }

    /// A minimal big-endian EXIF block: one IFD entry, Orientation (0x0112) = 6, "rotate 90° CW".
    static let exifOrientation6: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,
                                             0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                                             0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]

    @Test("A JPEG's EXIF block is read and written back into a JPEG, alongside the ICC profile")
    func exifCarried() throws {
        let (image, info) = try read("rgb_icc.png")
        #expect(info.exif == nil)
        let exif = Self.exifOrientation6
        let jpeg = try ImageIO.encode(image, format: .jpeg, iccProfile: info.iccProfile, exif: exif)
        let decoded = try ImageIO.decode(jpeg).info
        #expect(decoded.exif == exif)
        #expect(decoded.iccProfile == info.iccProfile)
        // Again through a second generation, as a denoised JPEG of a denoised JPEG would be.
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .jpeg, exif: decoded.exif)).info.exif == exif)
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .jpeg)).info.exif == nil)
        #expect(try ImageIO.decode(ImageIO.encode(image, format: .png, exif: exif)).info.exif == nil)
        #expect(!String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self).contains("exif"))
    }

    @Test("An RGB profile on a gray PNG is dropped, not an error")
    func mismatchedProfileDropped() throws {
        let profile = try fixtureBytes("srgb.icc")
        let gray = levelImage(width: 3, height: 3, channels: 1, alpha: false, maxLevel: 255, seed: 1)
        let bytes = try ImageIO.encode(gray, format: .png, iccProfile: profile)
        let (decoded, info) = try ImageIO.decode(bytes)
        #expect(decoded == gray)
        #expect(info.iccProfile == nil)
    }
}
