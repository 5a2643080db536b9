import Testing
import Engine

/// The first layer (image planes to features) against its definition and finite differences.
struct ImageConv3x3Tests {
    @Test("forward equals the definition", arguments: [(1, 5, 7), (3, 4, 9), (3, 1, 1), (1, 13, 10)])
    func forward(c: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(c * 100 + h * w))
        let image = randomTensor(c, h, w, rng: &rng)
        let weights = randomValues(48 * c * 9, rng: &rng), bias = randomValues(48, rng: &rng)
        let output = FeatureMap(channels: 48, height: h, width: w)
        ImageConv3x3(inChannels: c).forward(image: image, weights: weights, bias: bias, slope: 0.2, output: output)
        let expected = naiveConv3x3(image.toArray(), channels: c, height: h, width: w, weights: weights,
                                    bias: bias, outChannels: 48).map { leaky($0) }
        #expect(relativeError(output.toPlanar().map(Double.init), expected) < 1e-5)
        #expect(borderValues(output).allSatisfy { $0 == 0 })
    }

    @Test("backward-weights equals the finite differences", arguments: [(1, 5, 7), (3, 6, 11)])
    func backwardWeights(c: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(c + h + w))
        let image = randomTensor(c, h, w, rng: &rng)
        let weights = Buffer(randomValues(48 * c * 9, scale: 0.1, rng: &rng))
        let bias = Buffer([Float](repeating: 10, count: 48))
        let upstream = randomFeatureMap(48, h, w, rng: &rng)
        let conv = ImageConv3x3(inChannels: c)
        let output = FeatureMap(channels: 48, height: h, width: w)
        // Outputs stay near 10, above LeakyReLU's kink: the loss is linear in weights and biases.
        func loss() -> Double {
            conv.forward(image: image, weights: weights.pointer, bias: bias.pointer, slope: 0.2, output: output)
            return dot(output, upstream)
        }
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: 48)
        conv.backwardWeights(image: image, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
        let numericW = (0..<weights.count).map { centralDifference(weights.pointer + $0, step: 0.25) { loss() } }
        let numericB = (0..<48).map { centralDifference(bias.pointer + $0, step: 0.25) { loss() } }
        #expect(relativeError(gw.map(Double.init), numericW) < 1e-3)
        #expect(relativeError(gb.map(Double.init), numericB) < 1e-3)
    }
}
