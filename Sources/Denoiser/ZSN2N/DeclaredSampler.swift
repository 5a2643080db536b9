import Foundation

/// A kernel pair declared by the user (in the daemon's config, `zsn2n denoise --declare` or
/// `zsn2n reproduce --declare`): `{name, k1, k2, stride, divisor}`, usable as a sampler by name.
public struct DeclaredSampler: Sendable, Codable, Equatable {
    public var name: String
    public var k1: [[Double]]
    public var k2: [[Double]]
    public var stride: Int
    public var divisor: Double

    public init(name: String, k1: [[Double]], k2: [[Double]], stride: Int, divisor: Double) {
        self.name = name
        self.k1 = k1
        self.k2 = k2
        self.stride = stride
        self.divisor = divisor
    }

    /// A JSON list of declarations, or a single one.
    public static func list(fromJSON text: String) throws -> [DeclaredSampler] {
        let data = Data(text.utf8)
        if let list = try? JSONDecoder().decode([DeclaredSampler].self, from: data) { return list }
        return [try JSONDecoder().decode(DeclaredSampler.self, from: data)]
    }

    /// The sampler declared, checked: square kernels of one size, a stride and a non-zero divisor,
    /// and a name that hides no built-in sampler.
    public func sampler() throws -> Sampler {
        if Sampler.named(name) != nil { throw DenoiserError("declared sampler '\(name)' would hide the built-in one of that name") }
        return try Sampler.declared(name: name, first: k1, second: k2, stride: stride, divisor: divisor)
    }
}
