/// How long and on what a network trains: the numbers a preset fixes.
public struct TrainingPlan: Sendable, Equatable, Codable {
    public var iterations: Int
    public var learningRate: Double
    /// StepLR: the rate is multiplied by `gamma` every `stepSize` iterations.
    public var stepSize: Int
    public var gamma: Double
    /// Side of the random square crops trained on; nil trains on the whole image.
    public var crop: Int?
    /// Crops per iteration, their gradients averaged.
    public var batch: Int

    public init(iterations: Int, learningRate: Double = 1e-3, stepSize: Int, gamma: Double = 0.5, crop: Int? = nil,
                batch: Int = 1) {
        self.iterations = iterations
        self.learningRate = learningRate
        self.stepSize = stepSize
        self.gamma = gamma
        self.crop = crop
        self.batch = batch
    }

    /// The plan as it applies to a `width` x `height` image: when its crops would cover as many
    /// pixels per iteration as the whole image, it trains on the whole image instead (one pass of
    /// the image costs no more and sees every pixel), so a small image gets the paper recipe.
    public func fitted(height: Int, width: Int) -> TrainingPlan {
        guard let crop, batch * min(crop, height) * min(crop, width) >= height * width else { return self }
        var plan = self
        plan.crop = nil
        plan.batch = 1
        return plan
    }

    /// The same plan stretched or shrunk to `iterations`, the schedule's steps scaled with it.
    public func with(iterations n: Int) -> TrainingPlan {
        var plan = self
        plan.iterations = n
        plan.stepSize = max(1, Int((Double(stepSize) * Double(n) / Double(iterations)).rounded()))
        return plan
    }
}

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
