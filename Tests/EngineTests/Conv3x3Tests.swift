import Testing
import Engine

/// The 3x3 convolution against its definition, and both backward passes against central finite
/// differences. Sizes cover the micro-kernel's ragged ends: widths below, at and past 8 and 16.
struct Conv3x3Tests {
    @Test("forward equals the definition, with bias and LeakyReLU",
          arguments: [(1, 6, 5, 3), (3, 12, 9, 17), (6, 6, 4, 16), (48, 48, 3, 8), (2, 6, 1, 1), (1, 6, 2, 33)])
    func forward(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin * 1000 + w))
        let input = randomTensor(cin, h, w, rng: &rng)
        let weights = randomValues(cout * cin * 9, rng: &rng), bias = randomValues(cout, rng: &rng)
        let conv = Conv3x3(inChannels: cin, outChannels: cout)
        let output = Tensor(channels: cout, height: h, width: w, pad: 1)
        let expected = naiveConv3x3(input, weights: weights, bias: bias, outChannels: cout)
        bias.withUnsafeBufferPointer { b in
            conv.forward(input: input, weights: weights, output: output, epilogue: .bias(b.baseAddress!))
            #expect(relativeError(output.toArray().map(Double.init), expected) < 1e-5)
            conv.forward(input: input, weights: weights, output: output,
                         epilogue: .biasLeakyReLU(b.baseAddress!, slope: 0.2))
            #expect(relativeError(output.toArray().map(Double.init), expected.map { leaky($0) }) < 1e-5)
        }
        // The border stands for the zero padding: no kernel may write into it.
        for c in 0..<cout {
            for x in -1...w { #expect(output[c, -1, x] == 0 && output[c, h, x] == 0) }
            for y in 0..<h { #expect(output[c, y, -1] == 0 && output[c, y, w] == 0) }
        }
    }

    @Test("backward-data equals the finite differences of conv(leakyReLU(a)) by a",
          arguments: [(6, 6, 5, 7), (12, 6, 3, 18), (48, 12, 4, 9)])
    func backwardData(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin + cout + h + w))
        let pre = randomTensor(cin, h, w, rng: &rng)
        let weights = randomValues(cout * cin * 9, rng: &rng)
        let zeroBias = [Float](repeating: 0, count: cout)
        let upstream = randomTensor(cout, h, w, rng: &rng)
        let conv = Conv3x3(inChannels: cin, outChannels: cout)
        let activation = Tensor(channels: cin, height: h, width: w, pad: 1)
        let output = Tensor(channels: cout, height: h, width: w, pad: 1)
        func loss() -> Double {
            for c in 0..<cin { for y in 0..<h { for x in 0..<w { activation[c, y, x] = Float(leaky(Double(pre[c, y, x]))) } } }
            zeroBias.withUnsafeBufferPointer { conv.forward(input: activation, weights: weights, output: output, epilogue: .bias($0.baseAddress!)) }
            return dot(output, upstream)
        }
        _ = loss()
        let grad = Tensor(channels: cin, height: h, width: w, pad: 1)
        conv.backwardData(gradOutput: upstream, weights: weights, gradInput: grad,
                          epilogue: .leakyReLUDerivative(of: activation, slope: 0.2))
        var analytic: [Double] = [], numeric: [Double] = []
        for c in 0..<cin { for y in 0..<h { for x in 0..<w {
            // Skip points within a step of LeakyReLU's kink, where a difference straddles it.
            guard abs(pre[c, y, x]) > 2e-2 else { continue }
            analytic.append(Double(grad[c, y, x]))
            numeric.append(centralDifference(pre.pointer(c, y, x), loss))
        } } }
        #expect(analytic.count > cin * h * w / 2)
        #expect(relativeError(analytic, numeric) < 2e-3)
        for c in 0..<cin { for x in -1...w { #expect(grad[c, -1, x] == 0 && grad[c, h, x] == 0) } }
    }

    @Test("backward-weights equals the finite differences by every weight and bias",
          arguments: [(1, 6, 5, 7), (3, 12, 6, 11), (48, 6, 3, 17)])
    func backwardWeights(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(3 * cin + cout + h * w))
        let input = randomTensor(cin, h, w, rng: &rng)
        let weights = Buffer(randomValues(cout * cin * 9, rng: &rng))
        let bias = Buffer(randomValues(cout, rng: &rng))
        let upstream = randomTensor(cout, h, w, rng: &rng)
        let conv = Conv3x3(inChannels: cin, outChannels: cout)
        let output = Tensor(channels: cout, height: h, width: w, pad: 1)
        func loss() -> Double {
            conv.forward(input: input, weights: weights.pointer, output: output, epilogue: .bias(bias.pointer))
            return dot(output, upstream)
        }
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: cout)
        conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
        // A second call accumulates: the gradients double.
        var gw2 = gw, gb2 = gb
        conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw2, gradBias: &gb2)
        #expect(relativeError(gw2.map(Double.init), gw.map { 2 * Double($0) }) < 1e-6)
        #expect(relativeError(gb2.map(Double.init), gb.map { 2 * Double($0) }) < 1e-6)

        // The loss is linear in the weights, so the differences are exact up to rounding.
        let numericW = (0..<weights.count).map { centralDifference(weights.pointer + $0, loss) }
        let numericB = (0..<bias.count).map { centralDifference(bias.pointer + $0, loss) }
        #expect(relativeError(gw.map(Double.init), numericW) < 1e-3)
        #expect(relativeError(gb.map(Double.init), numericB) < 1e-3)
    }

    @Test("results do not depend on the thread count")
    func threadIndependence() {
        var rng = Random(seed: 11)
        let input = randomTensor(48, 9, 21, rng: &rng)
        let upstream = randomTensor(48, 9, 21, rng: &rng)
        let weights = randomValues(48 * 48 * 9, rng: &rng)
        let conv = Conv3x3(inChannels: 48, outChannels: 48)
        func run(threads: Int) -> [Float] {
            let saved = Parallel.threads
            defer { Parallel.threads = saved }
            Parallel.threads = threads
            var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: 48)
            conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
            return gw + gb
        }
        #expect(run(threads: 1) == run(threads: 2))
        #expect(run(threads: 2) == run(threads: 3))
    }
}
