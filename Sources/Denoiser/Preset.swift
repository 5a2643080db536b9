
/// A named training plan.
public struct Preset: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// ZS-N2N's plan.
    public var plan: TrainingPlan
    /// The pixel-bank method's: many short steps on small crops at twice ZS-N2N's rate, the rate
    /// halved every third of the way. Each iteration draws new pairs from the banks, so many short
    /// steps on small crops learn more per second than few long ones: 3000 iterations of two 64x64
    /// crops at 2e-3 against 1000 of two 128x128 at 1e-3 gained 0.28 dB on gauss:25 and 0.33 on
    /// gauss:50 (256x256 crops, four images each) and changed the real-noise crops by -0.12 to
    /// +0.06 dB, in 0.77 of the time (docs/method.md, "Presets"). On the whole image
    /// (`paper`): a third of ZS-N2N's iterations.
    public var bankPlan: TrainingPlan

    /// The study's recipe: Adam 1e-3, StepLR x0.5 every 1000, 3000 iterations on the whole image.
    public static let paper = Preset(name: "paper", summary: "the study's recipe: 3000 iterations on the whole image, lr 1e-3 halved every 1000",
                                     plan: TrainingPlan(iterations: 3000, stepSize: 1000),
                                     bankPlan: TrainingPlan(iterations: 1000, stepSize: 333))
    /// The default: the paper's schedule on two random 104x104 crops per iteration. Measured
    /// (docs/measurements.md, "Presets") 0.06 dB below two 128x128 crops on average over four
    /// images, two noise levels and three seeds (0.12 below `paper`), in 0.65 of their time, which
    /// brings a ZS-N2N photo under 30 s; one crop, or 2000 iterations, lost 0.3 dB. Its cost does
    /// not grow with the image, which is what makes large photos possible.
    public static let balanced = Preset(name: "balanced", summary: "the default: paper's schedule on two random 104x104 crops per iteration (pixel-bank: 64x64)",
                                        plan: TrainingPlan(iterations: 3000, stepSize: 1000, crop: 104, batch: 2),
                                        bankPlan: TrainingPlan(iterations: 3000, learningRate: 2e-3, stepSize: 1000, crop: 64, batch: 2))
    /// For previews: a third of the iterations on one 128x128 crop (measured 0.67 dB below
    /// `paper` on average, docs/measurements.md, "Presets").
    public static let fast = Preset(name: "fast", summary: "preview: 1000 iterations on random 128x128 crops, lr halved every 333 (pixel-bank: 64x64)",
                                    plan: TrainingPlan(iterations: 1000, stepSize: 333, crop: 128),
                                    bankPlan: TrainingPlan(iterations: 1000, learningRate: 2e-3, stepSize: 333, crop: 64))

    public static let all: [Preset] = [balanced, paper, fast]

    public static func named(_ name: String) -> Preset? {
        all.first { $0.name == name.lowercased() }
    }
}
