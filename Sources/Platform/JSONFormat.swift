import Foundation

/// How the project writes JSON, every file and every line of it: snake_case keys (from the
/// properties' camelCase; a dictionary's own keys are left as they are), keys sorted so that a
/// file's bytes follow from its content alone, and "/" written as itself. A document (a sidecar,
/// an error document, a study's or an evaluation's summary) is pretty-printed for people; a line
/// (a log's record, a command's one-line `--json`) is compact, one record to a line.
public enum JSONFormat {
    public enum Layout: Sendable {
        case document, line
    }

    /// What becomes of a number that is not finite, which JSON cannot hold.
    public enum NonFinite: Sendable {
        /// Encoding fails: a document with a schema holds numbers (the sidecar makes its own
        /// nulls, `FiniteDouble`).
        case refused
        /// The strings "Infinity", "-Infinity" and "NaN", which the decoder of the same setting
        /// reads back to the same Double: results files, where the SSIM of an image under 11
        /// pixels is NaN and a resumed run must read its rows back as they were.
        case strings
    }

    public static func encoder(_ layout: Layout = .document, nonFinite: NonFinite = .refused) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = layout == .document ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                                                       : [.sortedKeys, .withoutEscapingSlashes]
        if nonFinite == .strings {
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity",
                                                                          negativeInfinity: "-Infinity", nan: "NaN")
        }
        return encoder
    }

    /// Reads what `encoder` wrote (either layout).
    public static func decoder(nonFinite: NonFinite = .refused) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if nonFinite == .strings {
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity",
                                                                            negativeInfinity: "-Infinity", nan: "NaN")
        }
        return decoder
    }

    /// `value` as one compact line of text (a command's `--json`, a setting echoed back).
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encoder(.line).encode(value), as: UTF8.self)
    }
}
