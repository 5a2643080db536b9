import Testing
import Engine

/// The samplers' operations: values against hand-worked cases, and each adjoint against its
/// forward through the identity <D x, g> = <x, D^T g>, which holds exactly for a linear map and,
/// for the max pool, with the winners fixed by the forward pass.
struct DownsampleTests {
    @Test("a strided kernel on a hand-worked 3x4 image")
    func stridedValues() {
        // in = [[1,2,3,4],[5,6,7,8],[9,10,11,12]], kernel [[0,.5],[.5,0]], stride 2, divisor 1:
        // output 1x2 = [.5*2 + .5*5, .5*4 + .5*7] = [3.5, 5.5] (the third row is left over).
        let input = Tensor(channels: 1, height: 3, width: 4)
        input.load((1...12).map(Float.init))
        let output = Tensor(channels: 1, height: 1, width: 2)
        Downsample.strided(input, kernel: [0, 0.5, 0.5, 0], size: 2, stride: 2, divisor: 1, into: output)
        #expect(output.toArray() == [3.5, 5.5])
        Downsample.strided(input, kernel: [0.1, 0.5, 0.5, 0.1], size: 2, stride: 2, divisor: 1.2, into: output)
        #expect(abs(output[0, 0, 0] - (0.1 + 1 + 2.5 + 0.6) / 1.2) < 1e-6)
    }

    @Test("pools on a hand-worked image, ties going to the first maximum")
    func poolValues() {
        let input = Tensor(channels: 1, height: 2, width: 4)
        input.load([1, 3, 7, 7,
                    2, 0, 7, 1])
        let output = Tensor(channels: 1, height: 1, width: 2)
        var argmax = [Int32](repeating: -1, count: 2)
        Downsample.maxPool(input, into: output, argmax: &argmax)
        #expect(output.toArray() == [3, 7])
        #expect(argmax == [1, 2])
        Downsample.averagePool(input, into: output)
        #expect(output.toArray() == [1.5, 5.5])
        let grad = Tensor(channels: 1, height: 1, width: 2)
        grad.load([10, 20])
        let back = Tensor(channels: 1, height: 2, width: 4)
        Downsample.maxPoolAdjoint(grad, argmax: argmax, into: back)
        #expect(back.toArray() == [0, 10, 20, 0, 0, 0, 0, 0])
        Downsample.gather(input, rows: [1], cols: [0, 3], into: output)
        #expect(output.toArray() == [2, 1])
    }

    @Test("every adjoint matches its forward", arguments: [(13, 10), (8, 9), (7, 7)])
    func adjoints(h: Int, w: Int) {
        var rng = Random(seed: UInt64(h * w))
        let x = randomTensor(3, h, w, pad: 1, rng: &rng)
        func check(_ oh: Int, _ ow: Int, forward: (Tensor) -> Void, adjoint: (Tensor, Tensor) -> Void) {
            let dx = Tensor(channels: 3, height: oh, width: ow)
            forward(dx)
            let g = randomTensor(3, oh, ow, pad: 0, rng: &rng)
            let back = Tensor(channels: 3, height: h, width: w, pad: 1)
            adjoint(g, back)
            let lhs = dot(dx, g), rhs = dot(x, back)
            #expect(abs(lhs - rhs) <= 1e-5 * max(1, abs(lhs)))
        }
        for (k, s, kernel) in [(2, 2, [Float](arrayLiteral: -0.1, 0.5, 0.5, -0.1)), (3, 3, [0, 0.5, 0, 0.5, 0.01, 0.5, 0, 0.5, 0])] {
            let oh = Downsample.outputLength(h, size: k, stride: s), ow = Downsample.outputLength(w, size: k, stride: s)
            check(oh, ow, forward: { Downsample.strided(x, kernel: kernel, size: k, stride: s, divisor: 0.8, into: $0) },
                  adjoint: { Downsample.stridedAdjoint($0, kernel: kernel, size: k, stride: s, divisor: 0.8, into: $1) })
        }
        check(h / 2, w / 2, forward: { Downsample.averagePool(x, into: $0) },
              adjoint: { Downsample.averagePoolAdjoint($0, into: $1) })
        var argmax = [Int32](repeating: 0, count: 3 * (h / 2) * (w / 2))
        check(h / 2, w / 2, forward: { Downsample.maxPool(x, into: $0, argmax: &argmax) },
              adjoint: { Downsample.maxPoolAdjoint($0, argmax: argmax, into: $1) })
        let rows = (0..<(h / 2)).map { 2 * $0 + ($0 % 2) }, cols = (0..<(w / 2)).map { 2 * $0 + 1 - ($0 % 2) }
        check(h / 2, w / 2, forward: { Downsample.gather(x, rows: rows, cols: cols, into: $0) },
              adjoint: { Downsample.gatherAdjoint($0, rows: rows, cols: cols, into: $1) })
    }

    @Test("the adjoint accumulates into what is already there")
    func accumulates() {
        let grad = Tensor(channels: 1, height: 1, width: 1)
        grad.load([4])
        let back = Tensor(channels: 1, height: 2, width: 2)
        back.load([1, 1, 1, 1])
        Downsample.averagePoolAdjoint(grad, into: back)
        #expect(back.toArray() == [2, 2, 2, 2])
    }
}
