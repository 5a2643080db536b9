import CCodecs

extension ImageSourceInfo {
    /// The formats read and written; each is described once, in `traits` (below).
    public enum Format: String, Sendable, Codable, CaseIterable {
        case png, jpeg, tiff

        /// The format a file name's extension stands for (any case), from `traits.fileExtensions`:
        /// `.png`, `.jpg`, `.jpeg`, `.tif` or `.tiff`. Reading never trusts it (the format comes
        /// from the first bytes); writing follows it.
        public init?(fileExtension: String) {
            let lower = fileExtension.lowercased()
            guard let format = Self.allCases.first(where: { $0.traits.fileExtensions.contains(lower) }) else { return nil }
            self = format
        }

        /// The extensions a name may end in, for messages: every format's, in order.
        public static let fileExtensions = allCases.flatMap(\.traits.fileExtensions)

        /// "PNG", "JPEG", "TIFF": the format as messages name it.
        public var displayName: String { traits.displayName }
    }
}

/// What the program knows of one file format, written once (`ImageSourceInfo.Format.traits`, below).
/// The decoder, the encoder, the output-depth rule, the extensions a file may end in, and the
/// messages and help texts that name the formats all read it. The C shim describes the same
/// formats for its side (a `cc_codec` in each format's file, listed in Sources/CCodecs/formats.c);
/// ImagingTests check that the two agree, and that the sidecar schema's enums list these formats.
public struct FormatTraits: Sendable {
    /// How messages name the format: "PNG".
    public let displayName: String
    /// The extensions (lower case) that stand for the format in a file name, the usual one first.
    public let fileExtensions: [String]
    /// Bits per sample of the files it reads (32: float samples).
    public let readDepths: [Int]
    /// Bits per sample it writes, shallowest first: integer samples, each at full scale.
    public let writeDepths: [Int]
    /// Whether it writes an alpha plane; where not, the plane is dropped (not composited).
    public let writesAlpha: Bool
    /// Whether its writer takes a quality, 1...100 (`jpegQuality`).
    public let takesQuality: Bool
    /// What a file of the format carries from input to output besides pixels.
    public let keeps: Set<ImageMetadata>
    /// An interlaced file is decoded whole rather than in strips (Adam7's passes each touch
    /// every row).
    let decodesInterlacedWhole: Bool
    /// The C shim's name for it.
    let shimFormat: cc_format

    /// The depth `requested` bits per sample are written at: the deepest of `writeDepths` not
    /// above it, else the shallowest (1/2/4 become 8: processed values no longer sit on a coarse
    /// grid, and rounding them back to one would throw the work away).
    public func writtenDepth(requested: Int) -> Int {
        writeDepths.last { $0 <= requested } ?? writeDepths[0]
    }
}

/// Metadata a format carries from input to output.
public enum ImageMetadata: String, Sendable {
    /// The ICC colour profile (`ImageSourceInfo.iccProfile`).
    case iccProfile
    /// The camera's EXIF block, orientation tag included (`ImageSourceInfo.exif`).
    case exif
}

extension ImageSourceInfo.Format {
    /// The format's traits: the one place each format is described.
    public var traits: FormatTraits {
        switch self {
        case .png:
            return FormatTraits(displayName: "PNG", fileExtensions: ["png"], readDepths: [1, 2, 4, 8, 16],
                                writeDepths: [8, 16], writesAlpha: true, takesQuality: false,
                                keeps: [.iccProfile], decodesInterlacedWhole: true, shimFormat: CC_FORMAT_PNG)
        case .jpeg:
            return FormatTraits(displayName: "JPEG", fileExtensions: ["jpg", "jpeg"], readDepths: [8],
                                writeDepths: [8], writesAlpha: false, takesQuality: true,
                                keeps: [.iccProfile, .exif], decodesInterlacedWhole: false, shimFormat: CC_FORMAT_JPEG)
        case .tiff:
            return FormatTraits(displayName: "TIFF", fileExtensions: ["tif", "tiff"], readDepths: [8, 16, 32],
                                writeDepths: [8, 16], writesAlpha: true, takesQuality: false,
                                keeps: [.iccProfile], decodesInterlacedWhole: false, shimFormat: CC_FORMAT_TIFF)
        }
    }

    /// The format the shim reports (cc_format), or nil for 0 (not recognised).
    init?(shimFormat: Int32) {
        guard let format = Self.allCases.first(where: { Int32($0.traits.shimFormat.rawValue) == shimFormat }) else {
            return nil
        }
        self = format
    }

    /// The depth an image read from `source` is written at in this format: the deepest integer
    /// depth that both this format and the source's write, up to the source's own depth; else this
    /// format's shallowest. So a 16-bit PNG or TIFF, or a float TIFF, written as PNG or TIFF gives
    /// 16 bits, and anything else 8 (a 1/2/4-bit PNG, a JPEG either way).
    public func outputDepth(from source: ImageSourceInfo) -> Int {
        let both = traits.writeDepths.filter { source.format.traits.writeDepths.contains($0) && $0 <= source.bitDepth }
        return both.last ?? traits.writeDepths[0]
    }

    /// The formats in a phrase, each as `word` says it: "PNG, JPEG or TIFF" (conjunction "or").
    public static func listed(_ conjunction: String, as word: (Self) -> String = { $0.traits.displayName },
                              where include: (Self) -> Bool = { _ in true }) -> String {
        phrase(allCases.filter(include).map(word), conjunction)
    }

    /// Every format's extensions in a phrase: ".png, .jpg, .jpeg, .tif or .tiff" (conjunction "or").
    public static func extensionsListed(_ conjunction: String) -> String {
        phrase(fileExtensions.map { "." + $0 }, conjunction)
    }

    private static func phrase(_ items: [String], _ conjunction: String) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + last
    }
}
