import Foundation
import Testing
import Engine

struct OptimiserTests {
    @Test("Adam's first two steps follow the formula")
    func adamSteps() {
        // Step 1 from zero moments: m = 0.1 g, v = 0.001 g^2, so the update is
        // lr * g / (|g| + eps) up to the bias corrections: -1e-3 * sign(g) for |g| >> eps.
        let adam = Adam(parameterCount: 3, learningRate: 1e-3)
        var p: [Float] = [1, -2, 0.5]
        let g: [Float] = [0.5, -3, 0]
        adam.step(parameters: &p, gradients: g)
        #expect(abs(p[0] - 0.999) < 1e-7)
        #expect(abs(p[1] - -1.999) < 1e-7)
        #expect(p[2] == 0.5)
        // Step 2 with the same gradient: m = 0.19 g, v = 0.001999 g^2, corrections 0.19 and
        // 0.001999, so the update is again lr * g / |g|.
        adam.step(parameters: &p, gradients: g)
        #expect(abs(p[0] - 0.998) < 1e-6)
        // A different gradient on step 2: m = 0.09*0.5 + 0.1*(-0.5) = -0.005, v = 0.000999*0.25 + 0.001*0.25.
        let other = Adam(parameterCount: 1, learningRate: 1e-3)
        var q: [Float] = [0]
        other.step(parameters: &q, gradients: [0.5])
        other.step(parameters: &q, gradients: [-0.5])
        let m = -0.005 / (1 - 0.81), v = (0.000999 * 0.25 + 0.001 * 0.25) / (1 - 0.998001)
        let expected = -1e-3 - 1e-3 * m / (v.squareRoot() + 1e-8)
        #expect(abs(Double(q[0]) - expected) < 1e-8)
    }

    @Test("StepLR halves every step size")
    func stepLR() {
        let s = StepLR(baseRate: 1e-3, stepSize: 1000, gamma: 0.5)
        #expect(s.rate(at: 0) == 1e-3)
        #expect(s.rate(at: 999) == 1e-3)
        #expect(s.rate(at: 1000) == 5e-4)
        #expect(s.rate(at: 2999) == 2.5e-4)
    }

    @Test("the generator is reproducible and uniform enough")
    func random() {
        var a = Random(seed: 5), b = Random(seed: 5), c = Random(seed: 6)
        let xs = (0..<1000).map { _ in a.next() }
        #expect(xs == (0..<1000).map { _ in b.next() })
        #expect(xs != (0..<1000).map { _ in c.next() })
        var r = Random(seed: 1)
        var counts = [0, 0, 0]
        for _ in 0..<30000 { counts[r.int(below: 3)] += 1 }
        // Each count is binomial(30000, 1/3): sd about 82, so 500 is six standard deviations.
        #expect(counts.allSatisfy { abs($0 - 10000) < 500 })
        let mean = (0..<20000).map { _ in r.normal() }.reduce(0, +) / 20000
        #expect(abs(mean) < 0.04)
    }
}
