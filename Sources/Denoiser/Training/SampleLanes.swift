import Engine

/// Runs the samples of a training batch at once, each on a lane of its own: a copy of f (with its
/// layers' own scratch) and whatever else one sample needs (`State`: a workspace, a target), on a
/// share of the threads. With two crops on two cores each core runs one crop from start to end,
/// instead of both cores meeting at the joins of every layer's loops and waiting through the
/// layers' serial stretches (kernel transforms, sums of parts).
///
/// Each sample's gradient is kept apart and the batch's are added in sample order, so the result
/// is the same bits whatever the thread count. A batch of one runs on the network itself, its
/// gradient added straight to the network's: no copy, and the same bits as a copy would give.
final class SampleLanes<State> {
    struct Lane {
        let network: Network
        let state: State
    }

    /// The trained network: its parameters are what Adam steps; the lanes copy them.
    let network: Network
    let lanes: [Lane]
    let batch: Int
    /// Each sample's gradient and loss, added in sample order after the batch (a batch of two or more).
    private let sampleGradients: UnsafeMutablePointer<Float>?
    private let sampleLosses: UnsafeMutablePointer<Double>?

    /// - batch: the samples of one iteration; they run on up to `network.parallel.threads` lanes.
    /// - makeState: one lane's own buffers, for that lane's network.
    init(network: Network, batch: Int, makeState: (Network) throws -> State) rethrows {
        precondition(batch >= 1)
        self.network = network
        self.batch = batch
        guard batch > 1 else {
            lanes = [Lane(network: network, state: try makeState(network))]
            sampleGradients = nil
            sampleLosses = nil
            return
        }
        let threads = network.parallel.threads, count = SampleLanes.count(batch: batch, threads: threads)
        lanes = try (0..<count).map { lane in
            let share = SampleLanes.threads(lane: lane, of: count, threads: threads)
            let copy = Network(channels: network.channels, parameters: network.parameters, parallel: Parallel(threads: share))
            return Lane(network: copy, state: try makeState(copy))
        }
        sampleGradients = .allocate(capacity: batch * network.layout.count)
        sampleLosses = .allocate(capacity: batch)
    }

    deinit {
        sampleGradients?.deallocate()
        sampleLosses?.deallocate()
    }

    /// Lanes for a batch on `threads` threads: a sample each, as far as the threads go.
    static func count(batch: Int, threads: Int) -> Int { max(1, min(batch, threads)) }

    /// The threads of lane `lane` of `count`: shared out evenly, the first lanes taking any left over.
    static func threads(lane: Int, of count: Int, threads: Int) -> Int {
        threads / count + (lane < threads % count ? 1 : 0)
    }

    /// The bytes of the lanes' copies of f and of the batch's gradients (none for a batch of one),
    /// beside each lane's `State`.
    static func bytes(channels: Int, batch: Int, threads: Int) -> Int {
        guard batch > 1 else { return 0 }
        let lanes = count(batch: batch, threads: threads)
        // Each copy's layers keep scratch per thread of its own share.
        let copies = (0..<lanes).reduce(0) { total, lane in
            total + Network.parameterBytes(channels: channels)
                + Network.layerBytes(channels: channels, threads: self.threads(lane: lane, of: lanes, threads: threads))
        }
        return copies + batch * ParameterLayout(channels: channels).count * MemoryLayout<Float>.size
    }

    /// `count` samples (at most the batch): `evaluate(sample, lane)` runs sample `sample` on a
    /// lane and returns its loss, its gradient added to the lane network's (zeroed before). The
    /// samples' gradients are then added to `network`'s in sample order. Returns the sum of the losses.
    func run(_ count: Int, _ evaluate: (_ sample: Int, _ lane: Lane) -> Double) -> Double {
        precondition(count >= 1 && count <= batch)
        guard let gradients = sampleGradients, let losses = sampleLosses else { return evaluate(0, lanes[0]) }
        let parameterCount = network.layout.count, lanes = lanes
        network.withParametersAndGradients { parameters, _ in
            for lane in lanes {
                lane.network.withParametersAndGradients { p, _ in p.update(from: parameters, count: parameterCount) }
            }
        }
        network.parallel.forEachPart(lanes.count) { _, l in
            let lane = lanes[l]
            for sample in Swift.stride(from: l, to: count, by: lanes.count) {
                lane.network.zeroGradients()
                losses[sample] = evaluate(sample, lane)
                lane.network.withParametersAndGradients { _, g in
                    (gradients + sample * parameterCount).update(from: g, count: parameterCount)
                }
            }
        }
        var loss = 0.0
        network.withParametersAndGradients { _, g in
            for sample in 0..<count {
                let s = gradients + sample * parameterCount
                for i in 0..<parameterCount { g[i] += s[i] }
                loss += losses[sample]
            }
        }
        return loss
    }
}
