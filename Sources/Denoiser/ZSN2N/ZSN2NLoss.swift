import Engine

/// The ZS-N2N loss for one noisy image y and its gradient by every parameter of f:
///
///     p1 = D1(y) - f(D1(y));  p2 = D2(y) - f(D2(y))
///     L_res  = ( mse(D1(y), p2) + mse(D2(y), p1) ) / 2
///     z = y - f(y);  L_cons = ( mse(p1, D1(z)) + mse(p2, D2(z)) ) / 2
///     L = L_res + L_cons
///
/// The gradient flows through f on all three inputs, including through D1(z) and D2(z) by the
/// sampler's adjoint. A random sampler draws separately for D(y) and for D(z), as the study did.
/// Every buffer is planned here, once per image size; `evaluate` allocates nothing.
public final class ZSN2NLoss {
    public let network: Network
    public let sampler: Sampler
    /// f's workspace on the whole image; load y into `full.input` before `evaluate`.
    public let full: Workspace
    let first: Workspace
    let second: Workspace
    let passY: SamplerPass
    let passZ: SamplerPass
    let z: Tensor
    let zGradient: Tensor
    let d1: Tensor
    let d2: Tensor

    public init(network: Network, sampler: Sampler, height: Int, width: Int) throws {
        let (h, w) = sampler.outputSize(height: height, width: width)
        guard h >= 1, w >= 1 else {
            throw DenoiserError("a \(width)x\(height) image is too small for sampler \(sampler.name): it needs at least \(sampler.minimumSide) pixels a side")
        }
        let c = network.channels
        self.network = network
        self.sampler = sampler
        full = Workspace(channels: c, height: height, width: width)
        first = Workspace(channels: c, height: h, width: w)
        second = Workspace(channels: c, height: h, width: w)
        passY = SamplerPass(sampler: sampler, channels: c, height: height, width: width)
        passZ = SamplerPass(sampler: sampler, channels: c, height: height, width: width)
        z = Tensor(channels: c, height: height, width: width)
        zGradient = Tensor(channels: c, height: height, width: width)
        d1 = Tensor(channels: c, height: h, width: w)
        d2 = Tensor(channels: c, height: h, width: w)
    }

    /// The engine's arithmetic in one `evaluate`: f forward and backward on both sampled images
    /// and on the whole one.
    public var work: EngineWork {
        network.work(height: first.height, width: first.width) + network.work(height: second.height, width: second.width)
            + network.work(height: full.height, width: full.width)
    }

    /// The bytes of f's workspace on the trained image, at `height` x `width`.
    public static func fullImageBytes(channels c: Int, height: Int, width: Int) -> Int {
        Workspace.byteCount(channels: c, height: height, width: width, training: true)
    }

    /// The bytes of everything else the objective plans: both half images' workspaces, both
    /// sampler passes, z and its gradient, and D(z).
    public static func halfImageBytes(channels c: Int, sampler: Sampler, height: Int, width: Int) -> Int {
        let (h, w) = sampler.outputSize(height: height, width: width)
        return 2 * Workspace.byteCount(channels: c, height: h, width: w, training: true)
            + 2 * SamplerPass.byteCount(sampler: sampler, channels: c, height: height, width: width)
            + 2 * Tensor.byteCount(channels: c, height: height, width: width)
            + 2 * Tensor.byteCount(channels: c, height: h, width: w)
    }

    /// The loss at the current parameters for the image in `full.input`; adds its gradient to
    /// `network.gradients` (callers zero them first).
    public func evaluate<S: PoolDrawSource>(draws: inout S) -> Double {
        let y = full.input
        passY.apply(y, first: first.input, second: second.input, draws: &draws)
        network.forward(first)
        network.forward(second)
        network.forward(full)
        subtract(y, full.output, into: z)
        passZ.apply(z, first: d1, second: d2, draws: &draws)

        // With n = D(y), p = n - f(n), d = D(z) and N values per half image:
        // dL/dp1 = ((p1 - n2) + (p1 - d1)) / N, dL/dd1 = (d1 - p1) / N, and the same with 1 and 2
        // swapped. f(n) enters p with a minus sign, and f(y) enters z with a minus sign.
        let n1 = first.input, n2 = second.input
        let count = n1.channels * n1.height * n1.width
        let scale = 1 / Float(count)
        var residual = 0.0, consistency = 0.0
        for c in 0..<n1.channels {
            for row in 0..<n1.height {
                let a1 = n1.pointer(c, row, 0), a2 = n2.pointer(c, row, 0)
                let f1 = first.output.pointer(c, row, 0), f2 = second.output.pointer(c, row, 0)
                let g1 = first.gradOutput.pointer(c, row, 0), g2 = second.gradOutput.pointer(c, row, 0)
                let e1 = d1.pointer(c, row, 0), e2 = d2.pointer(c, row, 0)
                var res: Float = 0, cons: Float = 0
                for x in 0..<n1.width {
                    let p1 = a1[x] - f1[x], p2 = a2[x] - f2[x]
                    let r1 = a1[x] - p2, r2 = a2[x] - p1
                    let c1 = p1 - e1[x], c2 = p2 - e2[x]
                    res += r1 * r1 + r2 * r2
                    cons += c1 * c1 + c2 * c2
                    g1[x] = -((p1 - a2[x]) + c1) * scale
                    g2[x] = -((p2 - a1[x]) + c2) * scale
                    e1[x] = -c1 * scale
                    e2[x] = -c2 * scale
                }
                residual += Double(res)
                consistency += Double(cons)
            }
        }
        zGradient.zero()
        passZ.adjoint(first: d1, second: d2, into: zGradient)
        negate(zGradient, into: full.gradOutput)

        network.backward(first)
        network.backward(second)
        network.backward(full)
        return (residual + consistency) / (2 * Double(count))
    }

    /// The random picks of the last evaluation: for D(y), then for D(z).
    public var lastDraws: [PoolDraw] {
        (passY.draws + passZ.draws).compactMap { $0 }
    }
}

func subtract(_ a: Tensor, _ b: Tensor, into out: Tensor) {
    for c in 0..<a.channels {
        for y in 0..<a.height {
            let pa = a.pointer(c, y, 0), pb = b.pointer(c, y, 0), po = out.pointer(c, y, 0)
            for x in 0..<a.width { po[x] = pa[x] - pb[x] }
        }
    }
}

func negate(_ a: Tensor, into out: Tensor) {
    for c in 0..<a.channels {
        for y in 0..<a.height {
            let pa = a.pointer(c, y, 0), po = out.pointer(c, y, 0)
            for x in 0..<a.width { po[x] = -pa[x] }
        }
    }
}
