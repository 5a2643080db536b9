import Testing
import Engine

/// The last layer (features to image planes, 1x1) against its definition and finite differences.
struct FeatureProjectionTests {
    @Test("forward equals the definition", arguments: [(1, 5, 7), (3, 4, 17)])
    func forward(cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cout + w))
        let features = randomFeatureMap(48, h, w, rng: &rng)
        let weights = randomValues(cout * 48, rng: &rng), bias = randomValues(cout, rng: &rng)
        let output = Tensor(channels: cout, height: h, width: w)
        FeatureProjection(inChannels: 48, outChannels: cout).forward(features: features, weights: weights, bias: bias, output: output)
        var expected: [Double] = []
        for c in 0..<cout { for y in 0..<h { for x in 0..<w {
            expected.append(Double(bias[c]) + (0..<48).reduce(0.0) { $0 + Double(weights[c * 48 + $1]) * Double(features[$1, y, x]) })
        } } }
        #expect(relativeError(output.toArray().map(Double.init), expected) < 1e-5)
    }

    @Test("backward passes equal the finite differences", arguments: [(1, 3, 11), (3, 4, 9)])
    func backward(cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(10 * cout + h))
        let pre = randomFeatureMap(48, h, w, rng: &rng)
        let weights = Buffer(randomValues(cout * 48, rng: &rng)), bias = Buffer(randomValues(cout, rng: &rng))
        let upstream = randomTensor(cout, h, w, pad: 0, rng: &rng)
        let conv = FeatureProjection(inChannels: 48, outChannels: cout)
        let activation = FeatureMap(channels: 48, height: h, width: w)
        let output = Tensor(channels: cout, height: h, width: w)
        // loss = <upstream, conv1x1(leakyReLU(pre))>
        func loss() -> Double {
            activation.load(planar: pre.toPlanar().map { Float(leaky(Double($0))) })
            conv.forward(features: activation, weights: weights.pointer, bias: bias.pointer, output: output)
            return dot(output, upstream)
        }
        _ = loss()
        let gradPre = FeatureMap(channels: 48, height: h, width: w)
        conv.backwardData(gradOutput: upstream, weights: weights.pointer, gradFeatures: gradPre, activation: activation, slope: 0.2)
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: cout)
        conv.backwardWeights(features: activation, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)

        var analytic: [Double] = [], numeric: [Double] = []
        for c in 0..<48 { for y in 0..<h { for x in 0..<w where abs(pre[c, y, x]) > 2e-2 {
            analytic.append(Double(gradPre[c, y, x]))
            numeric.append(centralDifference(pre.pointer(y, x) + c) { loss() })
        } } }
        #expect(relativeError(analytic, numeric) < 2e-3)
        let numericW = (0..<weights.count).map { centralDifference(weights.pointer + $0) { loss() } }
        let numericB = (0..<bias.count).map { centralDifference(bias.pointer + $0) { loss() } }
        #expect(relativeError(gw.map(Double.init), numericW) < 1e-3)
        #expect(relativeError(gb.map(Double.init), numericB) < 1e-3)
        #expect(borderValues(gradPre).allSatisfy { $0 == 0 })

        // Both passes in one sweep: the same bits.
        let fusedPre = FeatureMap(channels: 48, height: h, width: w)
        var fw = [Float](repeating: 0, count: weights.count), fb = [Float](repeating: 0, count: cout)
        conv.backward(features: activation, gradOutput: upstream, weights: weights.pointer, gradFeatures: fusedPre, slope: 0.2,
                      gradWeights: &fw, gradBias: &fb)
        #expect(fw == gw && fb == gb)
        #expect(fusedPre.toPlanar() == gradPre.toPlanar())

        // In place, the gradient written over the activation (as `Network` runs it): the same bits.
        var iw = [Float](repeating: 0, count: weights.count), ib = [Float](repeating: 0, count: cout)
        conv.backward(features: activation, gradOutput: upstream, weights: weights.pointer, gradFeatures: activation, slope: 0.2,
                      gradWeights: &iw, gradBias: &ib)
        #expect(iw == gw && ib == gb)
        #expect(activation.toPlanar() == gradPre.toPlanar())
        #expect(borderValues(activation).allSatisfy { $0 == 0 })
    }
}
