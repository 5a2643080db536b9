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
