import Foundation
import Testing
@testable import Imaging

/// The project's shared clean test images (shared/testdata, beside the repository), when present.
let sharedTestdata: String? = {
    if let dir = ProcessInfo.processInfo.environment["ZSN2N_TESTDATA"] { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.deletingLastPathComponent().appendingPathComponent("shared/testdata").path
    return FileManager.default.fileExists(atPath: dir) ? dir : nil
}()

@Suite("Real photographs", .enabled(if: sharedTestdata != nil, "shared/testdata not found"))
struct CodecRealFileTests {
    static var files: [String] {
        guard let dir = sharedTestdata,
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted().map { dir + "/" + $0 }
    }

    @Test("Every shared test image reads, and writes back in its own format")
    func readAndWriteBack() throws {
        let files = Self.files
        #expect(files.count >= 8)
        try withTemporaryDirectory { dir in
            for path in files {
                let header = try ImageIO.readHeader(path)
                let (image, info) = try ImageIO.read(path)
                #expect(header.info == info)
                #expect(image.width == header.width && image.height == header.height
                        && image.channels == header.channels, "\(path)")
                let out = dir + "/" + URL(fileURLWithPath: path).lastPathComponent
                try ImageIO.write(image, to: out, format: info.format, bitDepth: info.bitDepth,
                                  iccProfile: info.iccProfile, exif: info.exif)
                let (again, againInfo) = try ImageIO.read(out)
                #expect(againInfo.format == info.format && againInfo.colorType == info.colorType)
                #expect(againInfo.exif == (info.format == .jpeg ? info.exif : nil), "\(path)")
                if info.format == .png {
                    #expect(again == image, "\(path)")
                } else {
                    // A second JPEG generation at q95 4:4:4.
                    #expect(psnr(again.pixels, image.pixels) > 40, "\(path)")
                }
                let inSize = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
                let outSize = try FileManager.default.attributesOfItem(atPath: out)[.size] as! Int
                print("\(URL(fileURLWithPath: path).lastPathComponent): \(image.width)x\(image.height)x\(image.channels) \(info.colorType) \(info.bitDepth)-bit, \(inSize) -> \(outSize) bytes")
            }
        }
    }

    @Test("A 16-bit RGB PNG of a real photo round-trips exactly")
    func sixteenBitRGB() throws {
        let path = try #require(Self.files.first { $0.hasSuffix("astronaut.png") })
        let (image, _) = try ImageIO.read(path)
        try withTemporaryDirectory { dir in
            let out = dir + "/astronaut16.png"
            try ImageIO.write(image, to: out, format: .png, bitDepth: 16)
            let (again, info) = try ImageIO.read(out)
            #expect(info == ImageSourceInfo(format: .png, bitDepth: 16, colorType: "rgb", interlaced: false))
            #expect(again == image)
        }
    }
}
