import Engine

/// The ZS-N2N network f: conv 3x3 C->48, LeakyReLU(0.2), conv 3x3 48->48, LeakyReLU(0.2),
/// conv 1x1 48->C, each with a bias. The denoiser built on it is residual: F(x) = x - f(x).
///
/// All parameters live in one flat buffer, in PyTorch's state_dict order (c1.weight, c1.bias,
/// c2.weight, c2.bias, c3.weight, c3.bias; weights OIHW), so that Adam runs over one array and the
/// reference's fixtures load as they are.
public final class Network {
    public static let features = 48
    public static let slope: Float = 0.2

    public let channels: Int
    /// The threads this network's layers run on: the job's own, never a process-wide setting.
    public let parallel: Parallel
    public let layout: ParameterLayout
    public private(set) var parameters: [Float]
    public private(set) var gradients: [Float]

    let conv1: ImageConv3x3
    let conv2: WinogradConv3x3
    let conv3: FeatureProjection

    /// PyTorch's Conv2d default initialisation: Kaiming-uniform with a = sqrt(5) for the weights,
    /// which is uniform(+-1/sqrt(fan_in)), and uniform(+-1/sqrt(fan_in)) for the biases.
    public convenience init(channels: Int, seed: UInt64, parallel: Parallel = .allCores) {
        let layout = ParameterLayout(channels: channels)
        var rng = Random(seed: seed, stream: RandomStream.initialisation)
        var values = [Float](repeating: 0, count: layout.count)
        for tensor in layout.tensors {
            let bound = Float(1 / Double(tensor.fanIn).squareRoot())
            for i in tensor.range { values[i] = (rng.uniformFloat() * 2 - 1) * bound }
        }
        self.init(channels: channels, parameters: values, parallel: parallel)
    }

    public init(channels: Int, parameters: [Float], parallel: Parallel = .allCores) {
        layout = ParameterLayout(channels: channels)
        precondition(parameters.count == layout.count, "expected \(layout.count) parameters, got \(parameters.count)")
        self.channels = channels
        self.parallel = parallel
        self.parameters = parameters
        gradients = [Float](repeating: 0, count: layout.count)
        conv1 = ImageConv3x3(inChannels: channels, parallel: parallel)
        conv2 = WinogradConv3x3(inChannels: Network.features, outChannels: Network.features, parallel: parallel)
        conv3 = FeatureProjection(inChannels: Network.features, outChannels: channels, parallel: parallel)
    }

    /// The arithmetic of one `forward` and one `backward` on a workspace of this size.
    public func work(height h: Int, width w: Int) -> EngineWork {
        let c = Network.features
        return conv1.forwardWork(height: h, width: w) + conv2.runWork(height: h, width: w, inChannels: c, outChannels: c)
            + 3 * conv3.passWork(height: h, width: w)
            + conv2.backwardWeightsWork(height: h, width: w) + conv2.runWork(height: h, width: w, inChannels: c, outChannels: c)
            + conv1.backwardWeightsWork(height: h, width: w)
    }

    /// The bytes the parameters and their gradients take.
    public static func parameterBytes(channels: Int) -> Int {
        2 * ParameterLayout(channels: channels).count * MemoryLayout<Float>.size
    }

    /// The bytes the three layers allocate for themselves (packed and transformed weights,
    /// reduction parts, per-thread scratch).
    public static func layerBytes(channels: Int, threads: Int) -> Int {
        ImageConv3x3.byteCount(inChannels: channels)
            + WinogradConv3x3.byteCount(inChannels: features, outChannels: features, threads: threads)
            + FeatureProjection.byteCount(inChannels: features, outChannels: channels)
    }

    /// Replaces every parameter (used by tests and when a trained state is restored).
    public func setParameters(_ values: [Float]) {
        precondition(values.count == layout.count)
        parameters = values
    }

    public func zeroGradients() {
        gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// workspace.output = f(workspace.input), keeping the activations for `backward`.
    public func forward(_ ws: Workspace) {
        precondition(ws.channels == channels)
        let l = layout
        parameters.withUnsafeBufferPointer { p in
            let p = p.baseAddress!
            conv1.forward(image: ws.input, weights: p + l.conv1Weight.lowerBound, bias: p + l.conv1Bias.lowerBound,
                          slope: Network.slope, output: ws.hidden1)
            conv2.forward(input: ws.hidden1, weights: p + l.conv2Weight.lowerBound, output: ws.hidden2,
                          epilogue: .biasLeakyReLU(p + l.conv2Bias.lowerBound, slope: Network.slope))
            conv3.forward(features: ws.hidden2, weights: p + l.conv3Weight.lowerBound,
                          bias: p + l.conv3Bias.lowerBound, output: ws.output)
        }
    }

    /// Adds to `gradients` the gradient of the loss whose derivative by f's output is
    /// `workspace.gradOutput`. The input is data, so no gradient flows back into it. The
    /// workspace's `hidden2` then holds its gradient (see `Workspace`), not the activation.
    public func backward(_ ws: Workspace) {
        let l = layout
        let (da2, da1) = ws.gradientBuffers()
        parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in
                let p = p.baseAddress!, g = g.baseAddress!
                conv3.backward(features: ws.hidden2, gradOutput: ws.gradOutput, weights: p + l.conv3Weight.lowerBound,
                               gradFeatures: da2, slope: Network.slope,
                               gradWeights: g + l.conv3Weight.lowerBound, gradBias: g + l.conv3Bias.lowerBound)
                conv2.backward(input: ws.hidden1, gradOutput: da2, weights: p + l.conv2Weight.lowerBound, gradInput: da1,
                               epilogue: .leakyReLUDerivative(of: ws.hidden1, slope: Network.slope),
                               gradWeights: g + l.conv2Weight.lowerBound, gradBias: g + l.conv2Bias.lowerBound)
                conv1.backwardWeights(image: ws.input, gradOutput: da1,
                                      gradWeights: g + l.conv1Weight.lowerBound, gradBias: g + l.conv1Bias.lowerBound)
            }
        }
    }

    /// Runs `body` with the parameters and their gradients as mutable pointers (for the optimiser).
    public func withParametersAndGradients<R>(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R) -> R {
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in body(p.baseAddress!, g.baseAddress!) }
        }
    }
}


/// Where each parameter tensor sits in the flat buffer.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var range: Range<Int>
        public var fanIn: Int
    }

    public let conv1Weight, conv1Bias, conv2Weight, conv2Bias, conv3Weight, conv3Bias: Range<Int>
    public let tensors: [Entry]
    public var count: Int { conv3Bias.upperBound }

    public init(channels c: Int) {
        let e = Network.features
        var next = 0
        func take(_ n: Int) -> Range<Int> { defer { next += n }; return next..<(next + n) }
        conv1Weight = take(e * c * 9); conv1Bias = take(e)
        conv2Weight = take(e * e * 9); conv2Bias = take(e)
        conv3Weight = take(c * e); conv3Bias = take(c)
        tensors = [
            Entry(name: "c1.weight", range: conv1Weight, fanIn: c * 9),
            Entry(name: "c1.bias", range: conv1Bias, fanIn: c * 9),
            Entry(name: "c2.weight", range: conv2Weight, fanIn: e * 9),
            Entry(name: "c2.bias", range: conv2Bias, fanIn: e * 9),
            Entry(name: "c3.weight", range: conv3Weight, fanIn: e),
            Entry(name: "c3.bias", range: conv3Bias, fanIn: e),
        ]
    }
}
