import Foundation

/// A number that is written as null when it is not finite (JSON has no infinity or NaN); read back,
/// null becomes NaN.
public struct FiniteDouble: Codable, Sendable, Equatable {
    public var value: Double

    public static func == (a: FiniteDouble, b: FiniteDouble) -> Bool {
        a.value == b.value || (!a.value.isFinite && !b.value.isFinite)
    }
    public init(_ value: Double) { self.value = value }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = c.decodeNil() ? .nan : try c.decode(Double.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isFinite { try c.encode(value) } else { try c.encodeNil() }
    }
}
