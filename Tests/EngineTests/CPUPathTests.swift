import Testing
import Foundation
import Engine

/// The choice of kernels, and the AVX-512 kernels against the AVX2 ones on the same inputs. Every
/// kernel but the 1x1 projection sums each output in the same order at both widths, so those agree
/// bit for bit; the projection's dot products end in a horizontal sum over different vectors.
struct CPUPathTests {
    @Test("the best path the CPU has, unless ZSN2N_CPU asks for another")
    func resolve() throws {
        #expect(try CPUPath.resolve(requested: nil, hasAVX512: true) == .avx512)
        #expect(try CPUPath.resolve(requested: "", hasAVX512: true) == .avx512)
        #expect(try CPUPath.resolve(requested: nil, hasAVX512: false) == .avx2)
        #expect(try CPUPath.resolve(requested: "avx2", hasAVX512: true) == .avx2)
        #expect(try CPUPath.resolve(requested: "avx512", hasAVX512: true) == .avx512)
        #expect(throws: CPUPathError.self) { try CPUPath.resolve(requested: "avx512", hasAVX512: false) }
        #expect(throws: CPUPathError.self) { try CPUPath.resolve(requested: "sse2", hasAVX512: true) }
    }

    @Test("the path in use is the CPU's best, or the one the environment forced")
    func current() {
        let forced = ProcessInfo.processInfo.environment[CPUPath.environmentVariable] ?? ""
        #expect(CPUPath.current == (forced.isEmpty ? (CPUPath.cpuHasAVX512 ? .avx512 : .avx2) : CPUPath(rawValue: forced)))
        #expect(CPUPath.current.kernels.lanes == (CPUPath.current == .avx512 ? 16 : 8))
    }

    @Test("AVX-512 and AVX2 kernels give the same Winograd transforms and products, bit for bit",
          .enabled(if: CPUPath.cpuHasAVX512))
    func winogradAgrees() {
        var rng = Random(seed: 5)
        let cin = 48, cout = 96, n = 30
        let input = randomFeatureMap(cin, 8, 4 * n - 2, rng: &rng)
        let upstream = randomFeatureMap(cout, 8, 4 * n - 2, rng: &rng)
        let u = randomValues(winogradPoints * cin * cout, rng: &rng), bias = randomValues(cout, rng: &rng)
        func run(_ k: any KernelSuite.Type) -> (v: [Float], out: [Float], du: [Float], sums: [Float]) {
            let block = 36 * 32 * cout
            var v = [Float](repeating: 0, count: block), m = [Float](repeating: 0, count: block)
            var dm = [Float](repeating: 0, count: block), du = [Float](repeating: 1, count: winogradPoints * cin * cout)
            var sums = [Float](repeating: 0, count: cout)
            let output = FeatureMap(channels: cout, height: 8, width: 4 * n - 2)
            k.winogradInputTransform(input, tileRow: 1, firstTile: 0, count: n, into: &v)
            k.winogradProducts(v: &v, u: u, m: &m, tiles: n, inChannels: cin, outChannels: cout)
            bias.withUnsafeBufferPointer { b in
                k.winogradOutputTransform(&m, into: output, tileRow: 1, firstTile: 0, count: n,
                                          epilogue: .biasLeakyReLU(b.baseAddress!, slope: 0.2))
            }
            k.winogradGradientTransform(upstream, tileRow: 1, firstTile: 0, count: n, into: &dm, biasSums: &sums)
            k.winogradWeightProducts(dm: &dm, v: &v, du: &du, tiles: n, inChannels: cin, outChannels: cout)
            return (v, output.toPlanar(), du, sums)
        }
        let a = run(CPUPath.avx2.kernels), b = run(CPUPath.avx512.kernels)
        #expect(a.v == b.v)
        #expect(a.out == b.out)
        #expect(a.out.contains { $0 != 0 }, "the block's outputs were written")
        #expect(a.du == b.du)
        #expect(a.sums == b.sums)
    }

    @Test("AVX-512 and AVX2 kernels give the same first and last layers",
          .enabled(if: CPUPath.cpuHasAVX512), arguments: [1, 3])
    func layersAgree(channels: Int) {
        var rng = Random(seed: UInt64(channels))
        let h = 4, w = 23
        let image = randomTensor(channels, h, w, rng: &rng)
        let taps = channels * 9
        let packed = randomValues(taps * 48, rng: &rng), bias = randomValues(48, rng: &rng)
        let grad = randomFeatureMap(48, h, w, rng: &rng), features = randomFeatureMap(48, h, w, rng: &rng)
        let projection = randomValues(channels * 48, rng: &rng), projectionBias = randomValues(channels, rng: &rng)
        let gradOut = randomTensor(channels, h, w, rng: &rng)
        func run(_ k: any KernelSuite.Type) -> (conv: [Float], convSums: [Float], project: [Float], back: [Float], projectSums: [Float]) {
            let out = FeatureMap(channels: 48, height: h, width: w)
            var convSums = [Float](repeating: 0, count: (taps + 1) * 48)
            let projected = Tensor(channels: channels, height: h, width: w)
            let back = FeatureMap(channels: 48, height: h, width: w)
            var projectSums = [Float](repeating: 0, count: channels * 49)
            for y in 0..<h {
                k.imageConvRow(image, packed, bias, slope: 0.2, out, y: y)
                k.imageConvWeightRow(image, grad, y: y, into: &convSums)
                k.featureProjectRow(features, projection, projectionBias, projected, y: y)
                k.featureProjectBackwardRow(gradOut, projection, back, activation: features, slope: 0.2, y: y)
                k.featureProjectWeightRow(features, gradOut, y: y, into: &projectSums)
            }
            return (out.toPlanar(), convSums, projected.toArray(), back.toPlanar(), projectSums)
        }
        let a = run(CPUPath.avx2.kernels), b = run(CPUPath.avx512.kernels)
        #expect(a.conv == b.conv)
        #expect(a.convSums == b.convSums)
        #expect(relativeError(a.project.map(Double.init), b.project.map(Double.init)) < 1e-6)
        #expect(a.back == b.back)
        #expect(a.projectSums == b.projectSums)
    }
}
