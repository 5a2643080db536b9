import Engine

/// Trains f on one noisy image with a method's objective (ZS-N2N's, the pixel bank's): the loop
/// every method shares (batches, Adam, the schedule, the memory budget).
///
/// Seeded: the initialisation, the samplers' draws and the crops each come from their own stream of
/// the seed, and every parallel reduction has a fixed split, so a seed gives the same output bit
/// for bit on one machine, whatever the thread count.
public final class Trainer {
    public let network: Network
    public let plan: TrainingPlan
    public let channels: Int
    public let height: Int
    public let width: Int
    /// Every buffer the training allocates, by the shapes of one pass.
    public let memory: MemoryPlan
    public private(set) var iteration = 0
    public private(set) var firstLoss: Double?
    public private(set) var lastLoss: Double?

    /// The noisy image, planar; crops are cut from it. Handed back by `takeImage()`.
    private var image: [Float]
    private let objective: any TrainingObjective
    private let adam: Adam
    private let schedule: StepLR

    /// The most training buffers one job may plan (whole-image training of 1.3 megapixels); a
    /// larger plan is refused before anything is allocated.
    public static let memoryBudget = 1_300_000_000

    /// A trainer on any objective: `makeObjective` builds it on the new network once the plan and
    /// the memory are checked.
    public init(pixels: [Float], channels: Int, height: Int, width: Int, plan: TrainingPlan, seed: UInt64,
                parallel: Parallel, memory: MemoryPlan,
                makeObjective: (Network) throws -> any TrainingObjective) throws {
        precondition(pixels.count == channels * height * width)
        guard plan.iterations >= 0, plan.stepSize >= 1, plan.learningRate > 0 else {
            throw DenoiserError("training plan needs iterations >= 0, step size >= 1 and a positive learning rate")
        }
        guard plan.batch >= 1 else { throw DenoiserError("training plan needs a batch of at least one crop") }
        self.channels = channels
        self.height = height
        self.width = width
        self.plan = plan
        self.memory = memory
        guard memory.totalBytes <= Trainer.memoryBudget else {
            throw DenoiserError("training on the whole \(width)x\(height) image would need about \(memory.totalBytes / 1_000_000) MB; use a preset that trains on crops (balanced or fast)")
        }
        network = Network(channels: channels, seed: seed, parallel: parallel)
        objective = try makeObjective(network)
        image = pixels
        adam = Adam(parameterCount: network.layout.count, learningRate: plan.learningRate)
        schedule = StepLR(baseRate: plan.learningRate, stepSize: plan.stepSize, gamma: plan.gamma)
    }

    /// The side of what one pass trains on: the plan's crop, or the whole image.
    public static func cropSize(_ plan: TrainingPlan, height: Int, width: Int) -> (height: Int, width: Int) {
        (min(plan.crop ?? height, height), min(plan.crop ?? width, width))
    }

    /// The engine's arithmetic in one `step` (the batch's samples; Adam aside).
    public var workPerIteration: EngineWork { plan.batch * objective.workPerSample }

    /// One iteration: loss, gradients (averaged over the plan's batch of crops), Adam step,
    /// schedule. Returns the loss before the step.
    @discardableResult
    public func step() -> Double {
        precondition(!image.isEmpty, "the image was taken back; training is over")
        network.zeroGradients()
        var loss = image.withUnsafeBufferPointer { image in objective.evaluateBatch(plan.batch, image: image) }
        if plan.batch > 1 {
            let scale = 1 / Float(plan.batch)
            network.withParametersAndGradients { _, g in
                for i in 0..<network.layout.count { g[i] *= scale }
            }
            loss /= Double(plan.batch)
        }
        adam.learningRate = schedule.rate(at: iteration)
        network.withParametersAndGradients { p, g in adam.step(parameters: p, gradients: g) }
        iteration += 1
        if firstLoss == nil { firstLoss = loss }
        lastLoss = loss
        return loss
    }

    /// Runs the plan's remaining iterations; `progress` returning false stops at that iteration
    /// boundary. Returns false when stopped early.
    public func train(progress: (TrainingProgress) -> Bool = { _ in true }) -> Bool {
        while iteration < plan.iterations {
            let loss = step()
            if !progress(TrainingProgress(iteration: iteration, total: plan.iterations, loss: loss)) {
                return iteration >= plan.iterations
            }
        }
        return true
    }

    /// Hands the noisy image back without a copy and ends training; the method then denoises it in
    /// place (`DenoisingRun.denoise`). This is what keeps a large photo in memory once, not twice.
    public func takeImage() -> [Float] {
        defer { image = [] }
        return image
    }
}

/// Where training stands, reported after every iteration: the one progress value that the
/// pipeline, the CLI's bar, the daemon's STATUS= and the study all read.
public struct TrainingProgress: Sendable, Equatable {
    /// Iterations done (1 after the first).
    public var iteration: Int
    public var total: Int
    /// The loss of the iteration just done.
    public var loss: Double

    public var fraction: Double { total == 0 ? 1 : Double(iteration) / Double(total) }
}

/// What a training pass evaluates: the loss of one sample of the image (the whole image or a crop,
/// as the objective's own seeded streams choose it), with its gradient added to the network's.
/// `Trainer` runs the loop around it (batches, Adam, the schedule), the same for every method.
public protocol TrainingObjective: AnyObject {
    var network: Network { get }
    /// One sample's loss; its gradient by every parameter is added to `network.gradients`.
    func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double
    /// The sum of `count` samples' losses, their gradients added to `network.gradients`.
    func evaluateBatch(_ count: Int, image: UnsafeBufferPointer<Float>) -> Double
    /// The engine's arithmetic in one `evaluateSample` (its passes of f, forward and backward).
    var workPerSample: EngineWork { get }
}

extension TrainingObjective {
    /// One sample after another.
    public func evaluateBatch(_ count: Int, image: UnsafeBufferPointer<Float>) -> Double {
        var loss = 0.0
        for _ in 0..<count { loss += evaluateSample(image: image) }
        return loss
    }
}

/// The noisy image an objective samples (planar: channels x height x width) and the size of one
/// sample: a crop of it, or the whole image.
struct SampleShape {
    let channels: Int
    let height: Int
    let width: Int
    let crop: (height: Int, width: Int)

    /// False when a sample is the whole image.
    var cropping: Bool { crop.height < height || crop.width < width }
}
