
/// A named training plan.
public struct Preset: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// ZS-N2N's plan.
    public var plan: TrainingPlan
    /// The pixel-bank method's. On crops: the preset's iterations and batch on crops of half the
    /// side, at twice the learning rate, halved every third of the way. Each iteration draws new
    /// pairs from the banks, so many short steps on small crops learn more per second than few
    /// long ones: `balanced` as 3000 iterations of two 64x64 crops at 2e-3 against 1000 of two
    /// 128x128 at 1e-3 gained 0.28 dB on gauss:25 and 0.33 on gauss:50 (256x256 crops, four
    /// images each) and changed the real-noise crops by -0.12 to +0.06 dB, in 0.77 of the time
    /// (README, "The pixel-bank method"). On the whole image (`paper`): a third of the
    /// iterations, the rate halved every third.
    public var bankPlan: TrainingPlan {
        guard let crop = plan.crop else {
            var plan = self.plan.with(iterations: max(1, self.plan.iterations / 3))
            plan.stepSize = max(1, plan.iterations / 3)
            return plan
        }
        var bank = plan
        bank.crop = max(PixelBank.patch, crop / 2)
        bank.learningRate = 2 * plan.learningRate
        bank.stepSize = max(1, plan.iterations / 3)
        return bank
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
