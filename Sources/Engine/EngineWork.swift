/// The arithmetic the engine really performs, counted from the code as it is (not the direct
/// convolution's count that `zsn2n bench` quotes for comparison with PyTorch): vector lanes of
/// fused multiply-adds, and lanes of separate adds, subtracts and multiplies. Lanes computed and
/// thrown away (a register block rounded up past a map's edge) count: the machine did them.
/// Not counted: selects (LeakyReLU), loads and stores, the scalar weight transforms per call, the
/// samplers, the loss and Adam (all small beside the convolutions).
public struct EngineWork: Equatable, Sendable {
    /// Multiply-adds in the Winograd matrix products (forward, backward-data, backward-weights).
    public var productMultiplyAdds = 0
    /// Multiply-adds everywhere else: the Winograd transforms, the first layer, the 1x1 projection.
    public var otherMultiplyAdds = 0
    /// Adds, subtracts and multiplies that are not part of a multiply-add.
    public var otherFlops = 0

    public init(productMultiplyAdds: Int = 0, otherMultiplyAdds: Int = 0, otherFlops: Int = 0) {
        self.productMultiplyAdds = productMultiplyAdds
        self.otherMultiplyAdds = otherMultiplyAdds
        self.otherFlops = otherFlops
    }

    public var multiplyAdds: Int { productMultiplyAdds + otherMultiplyAdds }
    /// A multiply-add is two floating-point operations, as an FMA peak counts them.
    public var flops: Int { 2 * multiplyAdds + otherFlops }

    public static func + (a: EngineWork, b: EngineWork) -> EngineWork {
        EngineWork(productMultiplyAdds: a.productMultiplyAdds + b.productMultiplyAdds,
                   otherMultiplyAdds: a.otherMultiplyAdds + b.otherMultiplyAdds, otherFlops: a.otherFlops + b.otherFlops)
    }

    public static func * (n: Int, a: EngineWork) -> EngineWork {
        EngineWork(productMultiplyAdds: n * a.productMultiplyAdds, otherMultiplyAdds: n * a.otherMultiplyAdds,
                   otherFlops: n * a.otherFlops)
    }
}
