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
public final class PixelBankObjective: TrainingObjective {
    public let network: Network
    public let banks: [PixelBank]
    let channels: Int
    let height: Int
    let width: Int
    /// f's workspace at the crop size; its input holds x1.
    let workspace: Workspace
    /// x2, planar at the crop size.
    let target: Tensor
    let augment: Bool
    private var random: Random

    public init(network: Network, banks: [PixelBank], channels: Int, height: Int, width: Int,
                crop: (height: Int, width: Int), augment: Bool, seed: UInt64) {
        precondition(!banks.isEmpty && banks.allSatisfy { $0.height >= crop.height && $0.width >= crop.width })
        self.network = network
        self.banks = banks
        self.channels = channels
        self.height = height
        self.width = width
        workspace = Workspace(channels: channels, height: crop.height, width: crop.width)
        target = Tensor(channels: channels, height: crop.height, width: crop.width)
        self.augment = augment
        random = Random(seed: seed, stream: RandomStream.bankDraws)
    }

    /// The bytes beside the network's: f's workspace at the crop size and the target.
    public static func bytes(channels: Int, crop: (height: Int, width: Int)) -> Int {
        Workspace.byteCount(channels: channels, height: crop.height, width: crop.width, training: true)
            + Tensor.byteCount(channels: channels, height: crop.height, width: crop.width)
    }

    /// One pass of f, forward and backward, on the crop.
    public var workPerSample: EngineWork { network.work(height: workspace.height, width: workspace.width) }

    public func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
        let bank = banks.count == 1 ? banks[0] : banks[random.int(below: banks.count)]
        let (h, w) = (workspace.height, workspace.width)
        let top = random.int(below: bank.height - h + 1), left = random.int(below: bank.width - w + 1)
        let plane = height * width, size = bank.size
        let symmetries = h == w ? Dihedral.all : Dihedral.shapePreserving
        let transform = augment ? symmetries[random.int(below: symmetries.count)] : Dihedral(0)
        // The draws run in parallel by rows, each row from its own stream of one seed drawn per
        // sample, so the result does not depend on the thread count.
        let rowSeed = random.next()
        let input = workspace.input, target = target
        network.parallel.forEachRange(h, minimumPerThread: 8) { rows in
            for y in rows {
                var random = Random(seed: rowSeed, stream: UInt64(y))
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
        return PixelBankObjective.loss(network: network, workspace: workspace, target: target)
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
