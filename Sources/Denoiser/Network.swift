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
    public let layout: ParameterLayout
    public private(set) var parameters: [Float]
    public private(set) var gradients: [Float]

    let conv1: ImageConv3x3
    let conv2: WinogradConv3x3
    let conv3: FeatureProjection

    /// PyTorch's Conv2d default initialisation: Kaiming-uniform with a = sqrt(5) for the weights,
    /// which is uniform(+-1/sqrt(fan_in)), and uniform(+-1/sqrt(fan_in)) for the biases.
    public convenience init(channels: Int, seed: UInt64) {
        let layout = ParameterLayout(channels: channels)
        var rng = Random(seed: seed, stream: RandomStream.initialisation)
        var values = [Float](repeating: 0, count: layout.count)
        for tensor in layout.tensors {
            let bound = Float(1 / Double(tensor.fanIn).squareRoot())
            for i in tensor.range { values[i] = (rng.uniformFloat() * 2 - 1) * bound }
        }
        self.init(channels: channels, parameters: values)
    }

    public init(channels: Int, parameters: [Float]) {
        layout = ParameterLayout(channels: channels)
        precondition(parameters.count == layout.count, "expected \(layout.count) parameters, got \(parameters.count)")
        self.channels = channels
        self.parameters = parameters
        gradients = [Float](repeating: 0, count: layout.count)
        conv1 = ImageConv3x3(inChannels: channels)
        conv2 = WinogradConv3x3(inChannels: Network.features, outChannels: Network.features)
        conv3 = FeatureProjection(inChannels: Network.features, outChannels: channels)
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
    /// `workspace.gradOutput`. The input is data, so no gradient flows back into it.
    public func backward(_ ws: Workspace) {
        let l = layout
        let (da2, da1) = ws.gradientBuffers()
        parameters.withUnsafeBufferPointer { p in
            gradients.withUnsafeMutableBufferPointer { g in
                let p = p.baseAddress!, g = g.baseAddress!
                conv3.backwardWeights(features: ws.hidden2, gradOutput: ws.gradOutput,
                                      gradWeights: g + l.conv3Weight.lowerBound, gradBias: g + l.conv3Bias.lowerBound)
                conv3.backwardData(gradOutput: ws.gradOutput, weights: p + l.conv3Weight.lowerBound,
                                   gradFeatures: da2, activation: ws.hidden2, slope: Network.slope)
                conv2.backwardWeights(input: ws.hidden1, gradOutput: da2,
                                      gradWeights: g + l.conv2Weight.lowerBound, gradBias: g + l.conv2Bias.lowerBound)
                conv2.backwardData(gradOutput: da2, weights: p + l.conv2Weight.lowerBound, gradInput: da1,
                                   epilogue: .leakyReLUDerivative(of: ws.hidden1, slope: Network.slope))
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

/// The buffers one evaluation of f needs at one image size, planned once and reused every
/// iteration: the padded input, both hidden activations (kept for backward), the output, and,
/// when training, the gradient buffers.
public final class Workspace {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let input: Tensor
    public let hidden1: FeatureMap
    public let hidden2: FeatureMap
    public let output: Tensor
    public let gradOutput: Tensor
    private var gradHidden: (FeatureMap, FeatureMap)?

    public init(channels: Int, height: Int, width: Int) {
        let e = Network.features
        self.channels = channels
        self.height = height
        self.width = width
        input = Tensor(channels: channels, height: height, width: width, pad: 1)
        hidden1 = FeatureMap(channels: e, height: height, width: width)
        hidden2 = FeatureMap(channels: e, height: height, width: width)
        output = Tensor(channels: channels, height: height, width: width)
        gradOutput = Tensor(channels: channels, height: height, width: width)
    }

    /// Gradient buffers for both hidden layers, allocated on first use so inference never pays.
    func gradientBuffers() -> (FeatureMap, FeatureMap) {
        if let gradHidden { return gradHidden }
        let e = Network.features
        let buffers = (FeatureMap(channels: e, height: height, width: width),
                       FeatureMap(channels: e, height: height, width: width))
        gradHidden = buffers
        return buffers
    }
}

/// Labels of the independent random streams one seed feeds.
public enum RandomStream {
    public static let initialisation: UInt64 = 1
    public static let sampler: UInt64 = 2
    public static let crops: UInt64 = 3
    public static let noise: UInt64 = 4
}
