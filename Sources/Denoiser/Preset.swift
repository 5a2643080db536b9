
/// A named training plan.
public struct Preset: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// ZS-N2N's plan.
    public var plan: TrainingPlan
    /// The pixel-bank method's: a third of the iterations (each pass draws new pairs from the
    /// banks; 1000 is what the method was designed and measured with), the rate halved every third,
    /// on the same crops.
    public var bankPlan: TrainingPlan {
        var plan = self.plan.with(iterations: max(1, self.plan.iterations / 3))
        plan.stepSize = max(1, plan.iterations / 3)
        return plan
    }

    /// The study's recipe: Adam 1e-3, StepLR x0.5 every 1000, 3000 iterations on the whole image.
    public static let paper = Preset(name: "paper", summary: "the study's recipe: 3000 iterations on the whole image, lr 1e-3 halved every 1000",
                                     plan: TrainingPlan(iterations: 3000, stepSize: 1000))
    /// The default: the paper's schedule on two random 128x128 crops per iteration. Measured
    /// (README, Presets) 0.06 dB below `paper` on average over four images, two noise levels and
    /// three seeds, in about half of paper's time at 256x256; one crop, or 2000 iterations, lost
    /// 0.3 dB. Its cost does not grow with the image, which is what makes large photos possible.
    public static let balanced = Preset(name: "balanced", summary: "the default: paper's schedule on two random 128x128 crops per iteration, within 0.1 dB of paper",
                                        plan: TrainingPlan(iterations: 3000, stepSize: 1000, crop: 128, batch: 2))
    /// For previews: a third of the iterations on one 128x128 crop, a sixth of balanced's work
    /// (measured 0.67 dB below `paper` on average, README, Presets).
    public static let fast = Preset(name: "fast", summary: "preview: 1000 iterations on random 128x128 crops, lr halved every 333",
                                    plan: TrainingPlan(iterations: 1000, stepSize: 333, crop: 128))

    public static let all: [Preset] = [balanced, paper, fast]

    public static func named(_ name: String) -> Preset? {
        all.first { $0.name == name.lowercased() }
    }
}
