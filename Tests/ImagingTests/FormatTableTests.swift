import CCodecs
import Foundation
import Testing
@testable import Imaging

/// The formats' two tables, Swift's `FormatTraits` and the C shim's `cc_codec` rows
/// (Sources/CCodecs/formats.c), against each other, against what the codecs really do, and
/// against the sidecar schema, which cannot read either.
@Suite("The table of formats")
struct FormatTableTests {
    typealias Format = ImageSourceInfo.Format

    /// Every row of the C table: cc_format values from 1 up, until the first without a row.
    static let cRows: [cc_format_info] = {
        var rows: [cc_format_info] = []
        while let row = cc_format_info_of(Int32(rows.count + 1)) { rows.append(row.pointee) }
        return rows
    }()

    static func signatures(_ row: cc_format_info) -> [[UInt8]] {
        (0..<Int(row.signature_count)).map { i in
            withUnsafeBytes(of: row.signatures[i].bytes) { Array($0.prefix(row.signatures[i].size)) }
        }
    }

    static func depths(_ bits: UInt64) -> [Int] { (1..<64).filter { bits & (1 << UInt64($0)) != 0 } }

    @Test("C and Swift describe the same formats alike: name, depths written, alpha, quality, interlacing")
    func tablesAgree() throws {
        #expect(cc_format_info_of(0) == nil)
        #expect(Self.cRows.count == Format.allCases.count)
        for (index, row) in Self.cRows.enumerated() {
            #expect(row.format == Int32(index + 1), "the C table is indexed by cc_format")
            let format = try #require(Format(shimFormat: row.format), "C format \(row.format) has no Swift description")
            let traits = format.traits
            #expect(String(cString: row.name) == traits.displayName)
            #expect(Self.depths(row.write_depths) == traits.writeDepths, "\(format)")
            #expect((row.writes_alpha != 0) == traits.writesAlpha, "\(format)")
            #expect((row.takes_quality != 0) == traits.takesQuality, "\(format)")
            #expect((row.interlaced_in_one_call != 0) == traits.decodesInterlacedWhole, "\(format)")
        }
        for format in Format.allCases {
            let row = try #require(cc_format_info_of(Int32(format.traits.shimFormat.rawValue)))
            #expect(Format(shimFormat: row.pointee.format) == format)
        }
    }

    @Test("Every signature in the table is recognised as its format, whatever follows it")
    func signaturesSniffed() throws {
        var seen: [[UInt8]] = []
        for row in Self.cRows {
            let format = try #require(Format(shimFormat: row.format))
            for signature in Self.signatures(row) {
                #expect(!seen.contains(where: { $0.starts(with: signature) || signature.starts(with: $0) }),
                        "\(format): signatures must not overlap, or the first row would win")
                seen.append(signature)
                for filler: UInt8 in [0x00, 0xFF] {
                    let bytes = signature + [UInt8](repeating: filler, count: 64)
                    var status = cc_status()
                    let decoder = bytes.withUnsafeBytes { cc_decoder_open_memory($0.baseAddress, $0.count, &status) }
                    cc_decoder_free(decoder)
                    #expect(status.format == row.format && status.code != Int32(CC_ERR_NOT_IMAGE.rawValue),
                            "\(format) \(signature): code \(status.code), format \(status.format)")
                    // Through Swift: the refusal (the rest is no image) names the format.
                    let error = #expect(throws: ImageError.self) { _ = try ImageIO.decode(bytes, name: "probe") }
                    #expect(error?.reason.contains(" \(format.displayName)") == true, "\(String(describing: error))")
                }
            }
        }
    }

    @Test("A file cut inside a signature is a cut file of that format where the table says so, else no image")
    func cutSignatures() throws {
        let notAnImage = "not a \(Format.listed("or")) file"
        #expect(notAnImage == "not a PNG, JPEG or TIFF file")
        for row in Self.cRows {
            let format = try #require(Format(shimFormat: row.format))
            for signature in Self.signatures(row) {
                for cut in 1..<signature.count {
                    let expected = row.cut_from > 0 && cut >= row.cut_from
                        ? "truncated \(format.displayName): the file ends inside the \(format.displayName) \(String(cString: row.signature_name))"
                        : notAnImage
                    expectImageError(file: "cut", reason: expected) { _ = try ImageIO.decode(Array(signature.prefix(cut)), name: "cut") }
                }
            }
        }
    }

    @Test("File extensions map to their format in any case, each to one format; others to none")
    func extensions() {
        var all: [String] = []
        for format in Format.allCases {
            for ext in format.traits.fileExtensions {
                #expect(ext == ext.lowercased())
                for spelling in [ext, ext.uppercased(), ext.prefix(1).uppercased() + ext.dropFirst()] {
                    #expect(Format(fileExtension: spelling) == format, "\(spelling)")
                }
                #expect(!all.contains(ext), "\(ext) stands for two formats")
                all.append(ext)
            }
        }
        #expect(Format.fileExtensions == all)
        #expect(Format.fileExtensions == ["png", "jpg", "jpeg", "tif", "tiff"])
        for other in ["", "gif", "pn", "pngs", "jpe", "tif.", ".png", "webp"] {
            #expect(Format(fileExtension: other) == nil, "\(other)")
        }
        #expect(Format.extensionsListed("or") == ".png, .jpg, .jpeg, .tif or .tiff")
    }

    @Test("Each format writes the depths, alpha and metadata its traits say, and reads back what it wrote")
    func traitsMatchTheCodecs() throws {
        let profile = try fixtureBytes("srgb.icc")
        let exif = CodecFixtureTests.exifOrientation6
        for format in Format.allCases {
            let traits = format.traits
            let image = levelImage(width: 5, height: 4, channels: 3, alpha: true, maxLevel: 255, seed: 7)
            for requested in [1, 2, 4, 8, 16] {
                let bytes = try ImageIO.encode(image, format: format, bitDepth: requested, iccProfile: profile, exif: exif)
                let (decoded, info) = try ImageIO.decode(bytes)
                #expect(info.format == format)
                #expect(info.bitDepth == traits.writtenDepth(requested: requested), "\(format) at \(requested)")
                #expect(traits.writeDepths.contains(info.bitDepth) && traits.readDepths.contains(info.bitDepth))
                #expect((decoded.alpha != nil) == traits.writesAlpha, "\(format)")
                #expect((info.iccProfile == profile) == traits.keeps.contains(.iccProfile), "\(format)")
                #expect((info.exif == exif) == traits.keeps.contains(.exif), "\(format)")
            }
            // What was written before the table: PNG and TIFF 16 bits for 16, 8 for 1/2/4/8; JPEG 8.
            #expect([1, 2, 4, 8, 16].map(traits.writtenDepth(requested:)) == (format == .jpeg ? [8, 8, 8, 8, 8] : [8, 8, 8, 8, 16]))
        }
    }

    @Test("The current sidecar schema lists exactly the table's formats and depths")
    func schemaEnums() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schema")
        // The newest version (zsn2n.sidecar-N.schema.json, highest N): what the pipeline writes.
        // Older versions describe documents written before, which never held a newer format.
        let versions = try FileManager.default.contentsOfDirectory(atPath: folder.path).compactMap { name -> Int? in
            guard name.hasPrefix("zsn2n.sidecar-"), name.hasSuffix(".schema.json") else { return nil }
            return Int(name.dropFirst("zsn2n.sidecar-".count).dropLast(".schema.json".count))
        }
        let newest = try #require(versions.max())
        let url = folder.appendingPathComponent("zsn2n.sidecar-\(newest).schema.json")
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        func enumeration(_ object: String, _ key: String) throws -> [Any] {
            let properties = try #require(schema["properties"] as? [String: Any])
            let part = try #require((properties[object] as? [String: Any])?["properties"] as? [String: Any])
            return try #require((part[key] as? [String: Any])?["enum"] as? [Any], "\(object).\(key)")
        }
        let names = Format.allCases.map(\.rawValue)
        #expect(try enumeration("input", "format") as? [String] == names)
        #expect(try enumeration("output", "format") as? [String] == names)
        let read = Set(Format.allCases.flatMap(\.traits.readDepths)).sorted()
        let written = Set(Format.allCases.flatMap(\.traits.writeDepths)).sorted()
        #expect(try enumeration("input", "bit_depth") as? [Int] == read)
        #expect(try enumeration("output", "bit_depth") as? [Int] == written)
    }
}
