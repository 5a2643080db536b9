import Testing
import Engine

/// The Winograd convolution against the definition of the 3x3 convolution, and both backward passes
/// against central finite differences. Sizes cover odd sides (a half-empty last tile), one-pixel
/// sides, and rows of more than 64 tiles (more than one block per tile row). Channel counts are
/// multiples of 48, the widest register block (three AVX-512 vectors).
struct WinogradConv3x3Tests {
    @Test("forward equals the definition, with bias and LeakyReLU",
          arguments: [(48, 48, 5, 7), (48, 48, 4, 9), (96, 48, 1, 1), (48, 96, 3, 131), (48, 48, 13, 10)])
    func forward(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin * 1000 + w))
        let input = randomFeatureMap(cin, h, w, rng: &rng)
        let weights = randomValues(cout * cin * 9, rng: &rng), bias = randomValues(cout, rng: &rng)
        let conv = WinogradConv3x3(inChannels: cin, outChannels: cout)
        let output = FeatureMap(channels: cout, height: h, width: w)
        bias.withUnsafeBufferPointer { b in
            conv.forward(input: input, weights: weights, output: output, epilogue: .biasLeakyReLU(b.baseAddress!, slope: 0.2))
        }
        let expected = naiveConv3x3(input.toPlanar(), channels: cin, height: h, width: w, weights: weights,
                                    bias: bias, outChannels: cout).map { leaky($0) }
        #expect(relativeError(output.toPlanar().map(Double.init), expected) < 1e-5)
        #expect(borderValues(output).allSatisfy { $0 == 0 }, "the border stands for zero padding and is never written")
    }

    @Test("backward-data equals the finite differences of conv(leakyReLU(a)) by a",
          arguments: [(48, 48, 5, 7), (96, 48, 3, 4)])
    func backwardData(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin + cout + h + w))
        let pre = randomFeatureMap(cin, h, w, rng: &rng)
        let weights = randomValues(cout * cin * 9, scale: 0.1, rng: &rng)
        let upstream = randomFeatureMap(cout, h, w, rng: &rng)
        let conv = WinogradConv3x3(inChannels: cin, outChannels: cout)
        let activation = FeatureMap(channels: cin, height: h, width: w)
        let output = FeatureMap(channels: cout, height: h, width: w)
        // loss = <upstream, conv(leakyReLU(pre)) + 10>: small weights and a bias of 10 keep every
        // output above the forward's own LeakyReLU kink, so only the kink at `pre` remains.
        let lift = [Float](repeating: 10, count: cout)
        func loss() -> Double {
            activation.load(planar: pre.toPlanar().map { Float(leaky(Double($0))) })
            lift.withUnsafeBufferPointer { conv.forward(input: activation, weights: weights, output: output,
                                                        epilogue: .biasLeakyReLU($0.baseAddress!, slope: 0.2)) }
            return dot(output, upstream)
        }
        _ = loss()
        let grad = FeatureMap(channels: cin, height: h, width: w)
        conv.backwardData(gradOutput: upstream, weights: weights, gradInput: grad,
                          epilogue: .leakyReLUDerivative(of: activation, slope: 0.2))
        var analytic: [Double] = [], numeric: [Double] = []
        for c in 0..<cin { for y in 0..<h { for x in 0..<w {
            // Skip points within a step of LeakyReLU's kink, where a difference straddles it.
            guard abs(pre[c, y, x]) > 2e-2 else { continue }
            analytic.append(Double(grad[c, y, x]))
            numeric.append(centralDifference(pre.pointer(y, x) + c) { loss() })
        } } }
        #expect(analytic.count > cin * h * w / 2)
        #expect(relativeError(analytic, numeric) < 2e-3)
        #expect(borderValues(grad).allSatisfy { $0 == 0 })
    }

    @Test("backward-weights equals the finite differences by every weight and bias",
          arguments: [(48, 48, 3, 5), (48, 96, 3, 140)])
    func backwardWeights(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(3 * cin + cout + h * w))
        let input = randomFeatureMap(cin, h, w, rng: &rng)
        let weights = Buffer(randomValues(cout * cin * 9, scale: 0.1, rng: &rng))
        let bias = Buffer(randomValues(cout, scale: 0.1, rng: &rng).map { $0 + 10 })
        let upstream = randomFeatureMap(cout, h, w, rng: &rng)
        let conv = WinogradConv3x3(inChannels: cin, outChannels: cout)
        let output = FeatureMap(channels: cout, height: h, width: w)
        // Small weights and a bias near 10 keep every output above LeakyReLU's kink (also with the
        // steps below), so the loss is linear in the weights and biases.
        func loss() -> Double {
            conv.forward(input: input, weights: weights.pointer, output: output, epilogue: .biasLeakyReLU(bias.pointer, slope: 0.2))
            return dot(output, upstream)
        }
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: cout)
        conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
        var gw2 = gw, gb2 = gb
        conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw2, gradBias: &gb2)
        #expect(relativeError(gw2.map(Double.init), gw.map { 2 * Double($0) }) < 1e-6, "a second call accumulates")
        #expect(relativeError(gb2.map(Double.init), gb.map { 2 * Double($0) }) < 1e-6)
        // Check a spread of weights (all of them for the small case, unsanitized) and every bias.
        let stride = (weights.count > 25_000 ? 37 : 1) * sanitizedSparsity
        let picked = Array(Swift.stride(from: 0, to: weights.count, by: stride))
        let numericW = picked.map { centralDifference(weights.pointer + $0, step: 0.25) { loss() } }
        let numericB = (0..<bias.count).map { centralDifference(bias.pointer + $0, step: 0.25) { loss() } }
        #expect(relativeError(picked.map { Double(gw[$0]) }, numericW) < 1e-3)
        #expect(relativeError(gb.map(Double.init), numericB) < 1e-3)
    }

    @Test("both backward passes in one sweep give backward-weights and backward-data, bit for bit",
          arguments: [(48, 48, 7, 5), (48, 96, 5, 140), (96, 48, 1, 1)])
    func fusedBackward(cin: Int, cout: Int, h: Int, w: Int) {
        var rng = Random(seed: UInt64(cin + 7 * cout + h * w))
        let input = randomFeatureMap(cin, h, w, rng: &rng)
        let upstream = randomFeatureMap(cout, h, w, rng: &rng)
        let weights = randomValues(cout * cin * 9, rng: &rng)
        let epilogue = FeatureEpilogue.leakyReLUDerivative(of: input, slope: 0.2)
        let separate = WinogradConv3x3(inChannels: cin, outChannels: cout)
        let gradInput = FeatureMap(channels: cin, height: h, width: w)
        var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: cout)
        separate.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
        separate.backwardData(gradOutput: upstream, weights: weights, gradInput: gradInput, epilogue: epilogue)

        let fused = WinogradConv3x3(inChannels: cin, outChannels: cout)
        let fusedInput = FeatureMap(channels: cin, height: h, width: w)
        var fw = [Float](repeating: 0, count: weights.count), fb = [Float](repeating: 0, count: cout)
        fused.backward(input: input, gradOutput: upstream, weights: weights, gradInput: fusedInput, epilogue: epilogue,
                       gradWeights: &fw, gradBias: &fb)
        #expect(fw == gw && fb == gb)
        #expect(fusedInput.toPlanar() == gradInput.toPlanar())
        #expect(gradInput.toPlanar().contains { $0 != 0 })
    }

    @Test("weights changed in place between calls are transformed again")
    func weightsChangedInPlace() {
        var rng = Random(seed: 5)
        let input = randomFeatureMap(48, 6, 9, rng: &rng)
        let weights = Buffer(randomValues(48 * 48 * 9, rng: &rng)), bias = Buffer([Float](repeating: 0, count: 48))
        let conv = WinogradConv3x3(inChannels: 48, outChannels: 48)
        func output(of conv: WinogradConv3x3) -> [Float] {
            let out = FeatureMap(channels: 48, height: 6, width: 9)
            conv.forward(input: input, weights: weights.pointer, output: out, epilogue: .biasLeakyReLU(bias.pointer, slope: 0.2))
            return out.toPlanar()
        }
        let before = output(of: conv)
        #expect(output(of: conv) == before, "the same weights again")
        weights.pointer[100] += 0.5
        let after = output(of: conv)
        #expect(after != before)
        #expect(after == output(of: WinogradConv3x3(inChannels: 48, outChannels: 48)), "as a layer that never saw the old weights")
    }

    @Test("results do not depend on the thread count")
    func threadIndependence() {
        var rng = Random(seed: 11)
        // 20 tile rows of 2 blocks: the weight gradient is summed in 5 parts.
        let input = randomFeatureMap(48, 77, 150, rng: &rng)
        let upstream = randomFeatureMap(48, 77, 150, rng: &rng)
        let weights = randomValues(48 * 48 * 9, rng: &rng)
        func run(threads: Int) -> [Float] {
            let conv = WinogradConv3x3(inChannels: 48, outChannels: 48, parallel: Parallel(threads: threads))
            var gw = [Float](repeating: 0, count: weights.count), gb = [Float](repeating: 0, count: 48)
            conv.backwardWeights(input: input, gradOutput: upstream, gradWeights: &gw, gradBias: &gb)
            return gw + gb
        }
        #expect(run(threads: 1) == run(threads: 2))
        #expect(run(threads: 2) == run(threads: 3))
    }
}

/// The arithmetic `zsn2n bench` reports, against counts worked by hand.
struct EngineWorkTests {
    @Test("a 5x7 map: 2x2 tiles, each tile row's products rounded up to four tiles")
    func winogradWork() {
        let conv = WinogradConv3x3(inChannels: 48, outChannels: 96)
        let forward = conv.runWork(height: 5, width: 7, inChannels: 48, outChannels: 96)
        #expect(forward.productMultiplyAdds == 2 * 4 * 36 * 48 * 96)
        // Input transform: 12 row and column transforms of 8 multiply-adds per tile and input
        // channel; output transform: 6 columns per tile and 5 rows per column of tiles, 3 each.
        #expect(forward.otherMultiplyAdds == 4 * 12 * 8 * 48 + 2 * (6 * 2 + 5) * 3 * 96)
        #expect(forward.otherFlops == 4 * 12 * 6 * 48 + 2 * (6 * 2 + 5) * 7 * 96)
        let weights = conv.backwardWeightsWork(height: 5, width: 7)
        #expect(weights.productMultiplyAdds == 4 * 36 * 48 * 96, "the weight products sum over the tiles there are")
        #expect(weights.flops == 2 * weights.multiplyAdds + weights.otherFlops)
    }

    @Test("the first layer computes whole blocks of four pixels and four taps")
    func imageConvWork() {
        let conv = ImageConv3x3(inChannels: 3)
        #expect(conv.forwardWork(height: 2, width: 5).multiplyAdds == 2 * 8 * 27 * 48)
        #expect(conv.backwardWeightsWork(height: 2, width: 5).multiplyAdds == 2 * 5 * 28 * 48)
    }
}
