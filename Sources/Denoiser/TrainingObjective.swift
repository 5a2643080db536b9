import Engine

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

/// ZS-N2N's objective on one image: the sampler's loss (`Objective`) on the whole image, or on a
/// random crop of it drawn from the seed's crop stream.
final class ZSN2NObjective: TrainingObjective {
    let objective: Objective
    let channels: Int
    let height: Int
    let width: Int
    private var draws: RandomPoolDraws
    private var cropRandom: Random
    var network: Network { objective.network }
    var workPerSample: EngineWork { objective.work }

    init(network: Network, sampler: Sampler, channels: Int, height: Int, width: Int,
         crop: (height: Int, width: Int), seed: UInt64) throws {
        objective = try Objective(network: network, sampler: sampler, height: crop.height, width: crop.width)
        self.channels = channels
        self.height = height
        self.width = width
        draws = RandomPoolDraws(rng: Random(seed: seed, stream: RandomStream.sampler))
        cropRandom = Random(seed: seed, stream: RandomStream.crops)
    }

    func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
        let target = objective.full.input
        if target.height < height || target.width < width {
            let top = cropRandom.int(below: height - target.height + 1)
            let left = cropRandom.int(below: width - target.width + 1)
            for c in 0..<channels {
                for y in 0..<target.height {
                    target.pointer(c, y, 0).update(from: image.baseAddress! + (c * height + top + y) * width + left,
                                                   count: target.width)
                }
            }
        }
        return objective.evaluate(draws: &draws)
    }
}
