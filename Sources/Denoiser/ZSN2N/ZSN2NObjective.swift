import Engine

/// ZS-N2N's objective on one image: the sampler's loss (`ZSN2NLoss`) on the whole image, or on
/// random crops of it drawn from the seed's crop stream, a batch's crops each on a lane of its own
/// (`SampleLanes`, one `ZSN2NLoss` per lane).
final class ZSN2NObjective: TrainingObjective {
    var network: Network { lanes.network }
    let shape: SampleShape
    private let lanes: SampleLanes<ZSN2NLoss>
    private var draws: RandomPoolDraws
    private var cropRandom: Random
    /// The draws one sample takes: one per random pool of the sampler, in each of its two passes
    /// (of y, then of z).
    private let drawsPerSample: Int
    /// Each sample's crop and pool draws, drawn before the batch runs in the order in which one
    /// sample after another would draw them, so that lanes may run the samples in any order.
    private var samples: [Sample] = []
    var workPerSample: EngineWork { lanes.lanes[0].state.work }

    struct Sample {
        var top: Int
        var left: Int
        var draws: RecordedPoolDraws
    }

    /// `pixels` is the planar noisy image; on the whole image it is loaded once, here.
    init(network: Network, sampler: Sampler, pixels: [Float], channels: Int, height: Int, width: Int,
         crop: (height: Int, width: Int), batch: Int, seed: UInt64) throws {
        shape = SampleShape(channels: channels, height: height, width: width, crop: crop)
        lanes = try SampleLanes(network: network, batch: batch) { lane in
            try ZSN2NLoss(network: lane, sampler: sampler, height: crop.height, width: crop.width)
        }
        if !shape.cropping {
            for lane in lanes.lanes { lane.state.full.input.load(pixels) }
        }
        draws = RandomPoolDraws(rng: Random(seed: seed, stream: RandomStream.sampler))
        cropRandom = Random(seed: seed, stream: RandomStream.crops)
        drawsPerSample = 2 * sampler.randomPoolCount
        samples.reserveCapacity(batch)
    }

    /// What the objective allocates beside the main network: the lanes (`SampleLanes`), each with
    /// its `ZSN2NLoss`'s buffers at the crop size.
    static func memory(channels: Int, sampler: Sampler, crop: (height: Int, width: Int), batch: Int, threads: Int) -> MemoryPlan {
        SampleLanes<ZSN2NLoss>.memory(channels: channels, batch: batch, threads: threads,
                                      state: ZSN2NLoss.memory(channels: channels, sampler: sampler, height: crop.height,
                                                              width: crop.width))
    }

    func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
        evaluateBatch(1, image: image)
    }

    func evaluateBatch(_ count: Int, image: UnsafeBufferPointer<Float>) -> Double {
        let shape = shape, cropping = shape.cropping, crop = shape.crop
        samples.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            let top = cropping ? cropRandom.int(below: shape.height - crop.height + 1) : 0
            let left = cropping ? cropRandom.int(below: shape.width - crop.width + 1) : 0
            let picks = (0..<drawsPerSample).map { _ in draws.draw(height: crop.height, width: crop.width) }
            samples.append(Sample(top: top, left: left, draws: RecordedPoolDraws(picks)))
        }
        let samples = samples
        return lanes.run(count) { sample, lane in
            var sample = samples[sample]
            let target = lane.state.full.input
            if cropping {
                for c in 0..<shape.channels {
                    for y in 0..<target.height {
                        let source = image.baseAddress! + (c * shape.height + sample.top + y) * shape.width + sample.left
                        target.pointer(c, y, 0).update(from: source, count: target.width)
                    }
                }
            }
            return lane.state.evaluate(draws: &sample.draws)
        }
    }
}
