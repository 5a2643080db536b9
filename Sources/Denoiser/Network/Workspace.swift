import Engine

/// The buffers one evaluation of f needs at one image size, planned once and reused every
/// iteration: the padded input, both hidden activations (kept for backward), the output, and,
/// when training, the gradient by the first hidden layer. The gradient by the second is taken in
/// place of the second activation, which backward no longer needs once it has read it: one map less
/// to keep in cache.
public final class Workspace {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let input: Tensor
    public let hidden1: FeatureMap
    public let hidden2: FeatureMap
    public let output: Tensor
    public let gradOutput: Tensor
    private var gradHidden1: FeatureMap?

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

    /// The bytes a workspace of this size allocates; `training` adds the gradient map that the
    /// first backward pass allocates.
    public static func byteCount(channels: Int, height: Int, width: Int, training: Bool) -> Int {
        let e = Network.features
        let map = FeatureMap.byteCount(channels: e, height: height, width: width)
        let plane = Tensor.byteCount(channels: channels, height: height, width: width)
        return Tensor.byteCount(channels: channels, height: height, width: width, pad: 1) + 2 * map + 2 * plane
            + (training ? map : 0)
    }

    /// The gradient buffers of both hidden layers: the second's is `hidden2` itself; the first's
    /// is allocated on first use, so inference never pays.
    func gradientBuffers() -> (FeatureMap, FeatureMap) {
        if let gradHidden1 { return (hidden2, gradHidden1) }
        let buffer = FeatureMap(channels: Network.features, height: height, width: width)
        gradHidden1 = buffer
        return (hidden2, buffer)
    }
}
