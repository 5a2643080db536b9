import Testing
import Engine

/// The 1x1 convolution against its definition and its backward passes against finite differences.
struct Conv1x1Tests {
    @Test("forward equals the definition", arguments: [(48, 1, 5, 7), (48, 3, 4, 17), (6, 4, 2, 8)])
    func forward(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin * cout + w))
        let input = randomTensor(cin, h, w, rng: &rng)
        let weights = randomValues(cout * cin, rng: &rng), bias = randomValues(cout, rng: &rng)
        let output = Tensor(channels: cout, height: h, width: w)
        Conv1x1(inChannels: cin, outChannels: cout).forward(input: input, weights: weights, bias: bias, output: output)
        var expected: [Double] = []
        for c in 0..<cout { for y in 0..<h { for x in 0..<w {
            expected.append(Double(bias[c]) + (0..<cin).reduce(0.0) { $0 + Double(weights[c * cin + $1]) * Double(input[$1, y, x]) })
        } } }
        #expect(relativeError(output.toArray().map(Double.init), expected) < 1e-5)
    }

    @Test("backward passes equal the finite differences", arguments: [(12, 1, 3, 11), (6, 3, 4, 9)])
    func backward(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin + 10 * cout + h))
        let pre = randomTensor(cin, h, w, rng: &rng)
        let weights = Buffer(randomValues(cout * cin, rng: &rng)), bias = Buffer(randomValues(cout, rng: &rng))
        let upstream = randomTensor(cout, h, w, pad: 0, rng: &rng)
        let conv = Conv1x1(inChannels: cin, outChannels: cout)
        let activation = Tensor(channels: cin, height: h, width: w, pad: 1)
        let output = Tensor(channels: cout, height: h, width: w)
        // loss = <upstream, conv1x1(leakyReLU(pre))>
        func loss() -> Double {
            for c in 0..<cin { for y in 0..<h { for x in 0..<w { activation[c, y, x] = Float(leaky(Double(pre[c, y, x]))) } } }
            conv.forward(input: activation, weights: weights.pointer, bias: bias.pointer, output: output)
            return dot(output, upstream)
        }
        _ = loss()
        let gradPre = Tensor(channels: cin, height: h, width: w, pad: 1)
        conv.backwardData(gradOutput: upstream, weights: weights.pointer, gradInput: gradPre, activation: activation, slope: 0.2)
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: cout)
        conv.backwardWeights(input: activation, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)

        var analytic: [Double] = [], numeric: [Double] = []
        for c in 0..<cin { for y in 0..<h { for x in 0..<w where abs(pre[c, y, x]) > 2e-2 {
            analytic.append(Double(gradPre[c, y, x]))
            numeric.append(centralDifference(pre.pointer(c, y, x), loss))
        } } }
        #expect(relativeError(analytic, numeric) < 2e-3)
        let numericW = (0..<weights.count).map { centralDifference(weights.pointer + $0, loss) }
        let numericB = (0..<bias.count).map { centralDifference(bias.pointer + $0, loss) }
        #expect(relativeError(gw.map(Double.init), numericW) < 1e-3)
        #expect(relativeError(gb.map(Double.init), numericB) < 1e-3)
    }
}
