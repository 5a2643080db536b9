/// A noise model text that could not be parsed: names the text, says why and lists the allowed forms.
public struct NoiseModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public var text: String
    public var reason: String
    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }
    public var description: String { "invalid noise model '\(text)': \(reason)" }
}
