/// A configuration that cannot be used: names the key, where it came from and what is wrong.
public struct DaemonConfigError: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var source: String
    public var reason: String
    public var description: String {
        key.isEmpty ? "config (\(source)): \(reason)" : "config key '\(key)' (\(source)): \(reason)"
    }
}
