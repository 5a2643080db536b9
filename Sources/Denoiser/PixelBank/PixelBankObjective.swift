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
/// The samples of a batch run at once, each on a lane of its own (`SampleLanes`).
public final class PixelBankObjective: TrainingObjective {
    public var network: Network { lanes.network }
    public let banks: [PixelBank]
    let shape: SampleShape
    let augment: Bool
    private let lanes: SampleLanes<LaneBuffers>
    private var draws: [SampleDraw] = []
    private var random: Random

    /// One sample's buffers beside its lane's copy of f: f's workspace at the crop size (its input
    /// holds x1) and the target x2.
    struct LaneBuffers {
        let workspace: Workspace
        let target: Tensor

        init(channels: Int, crop: (height: Int, width: Int)) {
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
        self.banks = banks
        shape = SampleShape(channels: channels, height: height, width: width, crop: crop)
        self.augment = augment
        lanes = SampleLanes(network: network, batch: batch) { _ in LaneBuffers(channels: channels, crop: crop) }
        draws.reserveCapacity(batch)
        random = Random(seed: seed, stream: RandomStream.bankDraws)
    }

    /// What the objective allocates beside the main network: the lanes (`SampleLanes`), each with
    /// its workspace at the crop size and its target.
    public static func memory(channels: Int, crop: (height: Int, width: Int), batch: Int, threads: Int) -> MemoryPlan {
        let buffers = Workspace.memory(channels: channels, height: crop.height, width: crop.width, training: true)
            + Tensor.memory("target", channels: channels, height: crop.height, width: crop.width)
        return SampleLanes<LaneBuffers>.memory(channels: channels, batch: batch, threads: threads,
                                               state: buffers.named("sample workspaces"))
    }

    /// One pass of f, forward and backward, on the crop.
    public var workPerSample: EngineWork {
        network.work(height: shape.crop.height, width: shape.crop.width)
    }

    /// One sample (a batch of one).
    public func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
        evaluateBatch(1, image: image)
    }

    /// `count` samples (at most the batch it was made for), each on a lane; their gradients are
    /// added to `network`'s in sample order. Returns the sum of their losses.
    public func evaluateBatch(_ count: Int, image: UnsafeBufferPointer<Float>) -> Double {
        let (h, w) = shape.crop
        let symmetries = h == w ? Dihedral.all : Dihedral.shapePreserving
        draws.removeAll(keepingCapacity: true)
        for _ in 0..<count {
            let b = banks.count == 1 ? 0 : random.int(below: banks.count)
            let top = random.int(below: banks[b].height - h + 1), left = random.int(below: banks[b].width - w + 1)
            let transform = augment ? symmetries[random.int(below: symmetries.count)] : Dihedral(0)
            draws.append(SampleDraw(bank: b, top: top, left: left, transform: transform, rowSeed: random.next()))
        }
        let draws = draws
        return lanes.run(count) { sample, lane in evaluate(draws[sample], on: lane, image: image) }
    }

    /// One sample's loss on `lane`, its gradient in the lane's network.
    private func evaluate(_ draw: SampleDraw, on lane: SampleLanes<LaneBuffers>.Lane, image: UnsafeBufferPointer<Float>) -> Double {
        let bank = banks[draw.bank]
        let input = lane.state.workspace.input, target = lane.state.target
        let (h, w) = (input.height, input.width)
        let (channels, width) = (shape.channels, shape.width), plane = shape.height * width, size = bank.size
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
        return PixelBankObjective.loss(network: lane.network, workspace: lane.state.workspace, target: target)
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
