import Foundation

/// A setting that cannot be used: which one (the daemon's config key; the CLI's option is the same
/// name with dashes) and why.
public struct SettingsError: Error, CustomStringConvertible, Equatable, Sendable {
    public var key: String
    public var reason: String

    public init(key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }

    /// The command-line option this key is (`--jpeg-quality` for `jpeg_quality`).
    public var option: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
}
