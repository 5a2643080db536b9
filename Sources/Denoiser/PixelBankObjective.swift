import Engine

/// The pixel-bank method's objective: Noise2Noise between two images drawn pixel by pixel from
/// the image's pixel banks. Each pixel of the input x1 is a uniformly chosen member of its bank
/// (the pixel itself or one of its K-1 most similar), each pixel of the target x2 another member,
/// so input and target show the same scene with nearly independent noise, at full resolution:
///
///     L = mean( (x1 - f(x1) - x2)^2 )          the residual denoiser x - f(x) predicts x2
///
/// The draws come from the seed's own stream (a row's draws from a stream of their own, so rows
/// can be drawn in parallel); a sample is one crop of one bank's region (the whole
/// image when it is small). With white noise (`augment`), each sample is also flipped or turned
/// (one of the eight symmetries, four for a crop that is not square).
///
/// The samples of a batch run at once, each on a lane of its own (a copy of f with its own
/// workspace, on a share of the threads): with two crops on two cores each core runs one crop from
/// start to end, instead of both cores meeting at the joins of every layer's loops and waiting
/// through the layers' serial stretches (kernel transforms, sums of parts). Each sample's gradient
/// is kept apart and the batch's are added in sample order, so the result is the same bits
/// whatever the thread count.
public final class PixelBankObjective: TrainingObjective {
    /// The trained network: its parameters are what Adam steps; the lanes copy them.
    public let network: Network
    public let banks: [PixelBank]
    let channels: Int
    let height: Int
    let width: Int
    let augment: Bool
    private let lanes: [Lane]
    /// Each sample's gradient and loss, `batch` of them, added in order after the batch.
    private let sampleGradients: UnsafeMutablePointer<Float>
    private let sampleLosses: UnsafeMutablePointer<Double>
    private var draws: [SampleDraw] = []
    private let batch: Int
    private var random: Random

    /// One sample's engine: a copy of f (its layers' scratch), f's workspace at the crop size (its
    /// input holds x1) and the target x2.
    final class Lane {
        let network: Network
        let workspace: Workspace
        let target: Tensor

        init(channels: Int, crop: (height: Int, width: Int), parameters: [Float], parallel: Parallel) {
            network = Network(channels: channels, parameters: parameters, parallel: parallel)
            workspace = Workspace(channels: channels, height: crop.height, width: crop.width)
            target = Tensor(channels: channels, height: crop.height, width: crop.width)
        }
    }

    /// Where one sample comes from: drawn in sample order from the objective's stream before the
    /// batch runs, so that lanes may run the samples in any order.
    struct SampleDraw {
        var bank: Int
        var top: Int
        var left: Int
        var transform: Dihedral
        var rowSeed: UInt64
    }

    /// - batch: the samples of one iteration (the plan's); they run on up to `threads` lanes.
    public init(network: Network, banks: [PixelBank], channels: Int, height: Int, width: Int,
                crop: (height: Int, width: Int), batch: Int, augment: Bool, seed: UInt64) {
        precondition(!banks.isEmpty && banks.allSatisfy { $0.height >= crop.height && $0.width >= crop.width })
        precondition(batch >= 1)
        self.network = network
        self.banks = banks
        self.channels = channels
        self.height = height
        self.width = width
        self.augment = augment
        self.batch = batch
        let threads = network.parallel.threads, count = PixelBankObjective.laneCount(batch: batch, threads: threads)
        lanes = (0..<count).map { lane in
            // The threads shared out among the lanes, the first lanes taking any left over.
            let share = threads / count + (lane < threads % count ? 1 : 0)
            return Lane(channels: channels, crop: crop, parameters: network.parameters, parallel: Parallel(threads: share))
        }
        sampleGradients = .allocate(capacity: batch * network.layout.count)
        sampleLosses = .allocate(capacity: batch)
        draws.reserveCapacity(batch)
        random = Random(seed: seed, stream: RandomStream.bankDraws)
    }

    deinit {
        sampleGradients.deallocate()
        sampleLosses.deallocate()
    }

    /// Lanes for a batch on `threads` threads: a sample each, as far as the threads go.
    public static func laneCount(batch: Int, threads: Int) -> Int { max(1, min(batch, threads)) }

    /// The bytes beside the main network's: each lane's copy of f, its workspace at the crop size
    /// and its target, and the batch's gradients.
    public static func bytes(channels: Int, crop: (height: Int, width: Int), batch: Int, threads: Int) -> Int {
        let lanes = laneCount(batch: batch, threads: threads)
        let lane = Network.parameterBytes(channels: channels)
            + Network.layerBytes(channels: channels, threads: max(1, threads / lanes))
            + Workspace.byteCount(channels: channels, height: crop.height, width: crop.width, training: true)
            + Tensor.byteCount(channels: channels, height: crop.height, width: crop.width)
        return lanes * lane + batch * ParameterLayout(channels: channels).count * MemoryLayout<Float>.size
    }

    /// One pass of f, forward and backward, on the crop.
    public var workPerSample: EngineWork {
        network.work(height: lanes[0].workspace.height, width: lanes[0].workspace.width)
    }

    /// One sample (a batch of one).
    public func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
        evaluateBatch(1, image: image)
    }

    /// `count` samples (at most the batch it was made for), each on a lane; their gradients are
    /// added to `network`'s in sample order. Returns the sum of their losses.
    public func evaluateBatch(_ count: Int, image: UnsafeBufferPointer<Float>) -> Double {
        precondition(count >= 1 && count <= batch)
        let (h, w) = (lanes[0].workspace.height, lanes[0].workspace.width)
        let symmetries = h == w ? Dihedral.all : Dihedral.shapePreserving
        draws.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            let b = banks.count == 1 ? 0 : random.int(below: banks.count)
            let top = random.int(below: banks[b].height - h + 1), left = random.int(below: banks[b].width - w + 1)
            let transform = augment ? symmetries[random.int(below: symmetries.count)] : Dihedral(0)
            draws.append(SampleDraw(bank: b, top: top, left: left, transform: transform, rowSeed: random.next()))
        }
        let parameterCount = network.layout.count
        let gradients = sampleGradients, losses = sampleLosses, lanes = lanes, draws = draws
        network.withParametersAndGradients { parameters, _ in
            for lane in lanes {
                lane.network.withParametersAndGradients { p, _ in p.update(from: parameters, count: parameterCount) }
            }
        }
        network.parallel.forEachPart(lanes.count) { _, l in
            let lane = lanes[l]
            for sample in Swift.stride(from: l, to: count, by: lanes.count) {
                lane.network.zeroGradients()
                losses[sample] = evaluate(draws[sample], on: lane, image: image)
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

    /// One sample's loss on `lane`, its gradient in the lane's network.
    private func evaluate(_ draw: SampleDraw, on lane: Lane, image: UnsafeBufferPointer<Float>) -> Double {
        let bank = banks[draw.bank]
        let input = lane.workspace.input, target = lane.target
        let (h, w) = (input.height, input.width)
        let plane = height * width, size = bank.size, channels = channels, width = width
        let (top, left, transform) = (draw.top, draw.left, draw.transform)
        // The draws run in parallel by rows, each row from its own stream of the sample's seed, so
        // the result does not depend on the thread count.
        lane.network.parallel.forEachRange(h, minimumPerThread: 8) { rows in
            for y in rows {
                var random = Random(seed: draw.rowSeed, stream: UInt64(y))
                for x in 0..<w {
                    let (sy, sx) = transform.source(y: y, x: x, height: h, width: w)
                    let first = random.int(below: size)
                    let second = (first + 1 + random.int(below: size - 1)) % size
                    let a = bank.source(first, y: top + sy, x: left + sx), b = bank.source(second, y: top + sy, x: left + sx)
                    for c in 0..<channels {
                        input.pointer(c, y, x).pointee = image[c * plane + a.y * width + a.x]
                        target.pointer(c, y, x).pointee = image[c * plane + b.y * width + b.x]
                    }
                }
            }
        }
        return PixelBankObjective.loss(network: lane.network, workspace: lane.workspace, target: target)
    }

    /// L = mean((x1 - f(x1) - x2)^2) for x1 in `workspace.input` and x2 in `target`; adds dL/dθ to
    /// the network's gradients. dL/df(x1) = -2 (x1 - f(x1) - x2) / N.
    public static func loss(network: Network, workspace: Workspace, target: Tensor) -> Double {
        network.forward(workspace)
        let count = workspace.channels * workspace.height * workspace.width
        let scale = 2 / Float(count)
        var total = 0.0
        for c in 0..<workspace.channels {
            for y in 0..<workspace.height {
                let x1 = workspace.input.pointer(c, y, 0), f = workspace.output.pointer(c, y, 0)
                let x2 = target.pointer(c, y, 0), g = workspace.gradOutput.pointer(c, y, 0)
                var row: Float = 0
                for x in 0..<workspace.width {
                    let r = x1[x] - f[x] - x2[x]
                    row += r * r
                    g[x] = -scale * r
                }
                total += Double(row)
            }
        }
        network.backward(workspace)
        return total / Double(count)
    }
}
