/// A named choice of how long and on what to train; each method states its plan for each preset
/// (`DenoisingMethod.plan`), measured for it (docs/measurements.md, "Presets").
public struct Preset: Sendable, Equatable {
    public var name: String
    public var summary: String

    /// The study's recipe on the whole image.
    public static let paper = Preset(name: "paper", summary: "the study's recipe: 3000 iterations on the whole image, lr 1e-3 halved every 1000")
    /// The default: the paper's schedule on small random crops, whose cost does not grow with the
    /// image, which is what makes large photos possible.
    public static let balanced = Preset(name: "balanced", summary: "the default: paper's schedule on two random 104x104 crops per iteration (pixel-bank: 64x64)")
    /// For previews.
    public static let fast = Preset(name: "fast", summary: "preview: 1000 iterations on random 128x128 crops, lr halved every 333 (pixel-bank: 64x64)")

    public static let all: [Preset] = [balanced, paper, fast]

    public static func named(_ name: String) -> Preset? {
        all.first { $0.name == name.lowercased() }
    }
}
