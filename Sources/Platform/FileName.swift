import Foundation

/// A name inside a folder as the kernel holds it: bytes. Nearly every name is UTF-8 and becomes a
/// `String`; one that is not cannot be a Swift string without losing bytes (and could then not be
/// opened by it), but it can still be moved out of the way by its bytes.
public struct FileName: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { bytes = Array(string.utf8) }

    /// The name as a string, when its bytes are UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The name with every byte that is not part of valid UTF-8 written as %XX (and "%" as %25):
    /// printable, reversible, and a valid name for a file of its own.
    public var escaped: String {
        var out = ""
        var rest = bytes[...]
        while !rest.isEmpty {
            // The longest valid UTF-8 prefix, then one invalid byte.
            var end = rest.endIndex
            while end > rest.startIndex, String(validating: rest[rest.startIndex..<end], as: UTF8.self) == nil {
                end = rest.index(before: end)
            }
            out += String(decoding: rest[rest.startIndex..<end], as: UTF8.self).replacingOccurrences25()
            rest = rest[end...]
            if let byte = rest.first {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// `photo.png`, `photo-1.png`, `photo-2.png`, ...: the `n`-th name for a file that would be
    /// called `name` (n = 0: itself), the suffix before the extension. How the daemon and
    /// `zsn2n denoise --output-dir` keep a repeated name apart.
    public static func numbered(_ name: String, _ n: Int) -> String {
        guard n > 0 else { return name }
        let ns = name as NSString
        let ext = ns.pathExtension
        return ext.isEmpty ? "\(name)-\(n)" : "\(ns.deletingPathExtension)-\(n).\(ext)"
    }

    /// A name for a file derived from `name` with `suffix` appended (".json", ".error.json") that
    /// fits a file name's 255 bytes: `name` itself when it fits, else its stem cut on a character
    /// boundary, a short hash of the whole name (so that two long names stay apart), and its
    /// extension.
    public static func fitting(_ name: String, suffix: String = "") -> String {
        let limit = 255 - suffix.utf8.count
        guard name.utf8.count > limit else { return name }
        var hash = FNV1a()
        hash.add(name.utf8)
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { String(name[$0...]) } ?? ""
        let tag = "~" + String(hash.value, radix: 16)
        var stem = ""
        for character in name[..<(dot ?? name.endIndex)] {
            guard (stem + String(character) + tag + ext).utf8.count <= limit else { break }
            stem.append(character)
        }
        return stem + tag + (ext.utf8.count + tag.utf8.count <= limit ? ext : "")
    }
}

/// FNV-1a, 64 bits: a stable hash (Swift's Hasher is seeded per process, so it cannot be stored
/// or written into a name): the tag of a name cut to fit, a study image's fingerprint and a run's
/// noise seed.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    /// The 8 bytes of `word`, little end first.
    public mutating func add(_ word: UInt64) {
        for k in 0..<8 {
            value ^= (word >> (8 * UInt64(k))) & 0xFF
            value = value &* 0x0000_0100_0000_01B3
        }
    }
}

private extension String {
    func replacingOccurrences25() -> String {
        var out = ""
        for character in self { out += character == "%" ? "%25" : String(character) }
        return out
    }

    func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
