import Engine

/// A sampler D splits a noisy image y into two half-resolution images D1(y), D2(y) whose noise is
/// independent while their content agrees: the pair ZS-N2N trains on.
public struct Sampler: Sendable, Equatable, CustomStringConvertible {
    public enum Pool: String, Sendable, Equatable { case max, average, random }

    public enum Kind: Sendable, Equatable {
        /// Two k x k kernels applied per channel with stride s (no padding), divided by d.
        case kernels(first: [Float], second: [Float], size: Int, stride: Int, divisor: Float)
        /// Two 2x2 stride-2 pools.
        case pools(Pool, Pool)
    }

    public var name: String
    public var summary: String
    public var kind: Kind

    public var description: String { name }

    /// A user-declared kernel pair; the kernels are square, row-major lists of equal size.
    public static func declared(name: String, first: [[Double]], second: [[Double]], stride: Int,
                                divisor: Double) throws -> Sampler {
        let k = first.count
        guard k >= 1, k <= 8 else { throw DenoiserError("sampler \(name): kernels must be 1x1 to 8x8, got \(k) rows") }
        for (label, kernel) in [("k1", first), ("k2", second)] {
            guard kernel.count == k, kernel.allSatisfy({ $0.count == k }) else {
                throw DenoiserError("sampler \(name): \(label) must be a square \(k)x\(k) list of rows, like k1")
            }
            guard kernel.joined().allSatisfy({ $0.isFinite }) else {
                throw DenoiserError("sampler \(name): \(label) holds a value that is not a finite number")
            }
        }
        guard stride >= 1 else { throw DenoiserError("sampler \(name): stride must be at least 1, got \(stride)") }
        guard divisor.isFinite, divisor != 0 else { throw DenoiserError("sampler \(name): divisor must be a non-zero number") }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw DenoiserError("sampler name '\(name)' must be letters, digits, '-' or '_'")
        }
        return Sampler(name: name, summary: "user-declared \(k)x\(k) kernel pair, stride \(stride), divisor \(divisor)",
                       kind: .kernels(first: first.joined().map(Float.init), second: second.joined().map(Float.init),
                                      size: k, stride: stride, divisor: Float(divisor)))
    }

    /// True when D draws anew at every call.
    public var isRandom: Bool { randomPoolCount > 0 }

    /// The draws one application of D1 and D2 takes: one per random pool.
    public var randomPoolCount: Int {
        if case .pools(let a, let b) = kind { return [a, b].filter { $0 == .random }.count }
        return 0
    }

    /// The size of D1(y) and D2(y) for a height x width image (0 in a dimension that is too small).
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch kind {
        case .kernels(_, _, let k, let s, _):
            return (Downsample.outputLength(height, size: k, stride: s), Downsample.outputLength(width, size: k, stride: s))
        case .pools:
            return (height / 2, width / 2)
        }
    }

    /// The smallest side an image needs for this sampler to give a half image of at least one pixel.
    public var minimumSide: Int {
        if case .kernels(_, _, let k, _, _) = kind { return k }
        return 2
    }

    // MARK: the study's samplers

    public static let original = Sampler(name: "original", summary: "the ZS-N2N paper's diagonal pair: [[0,.5],[.5,0]] and [[.5,0],[0,.5]], stride 2",
                                         kind: kernels([[0, 0.5], [0.5, 0]], [[0.5, 0], [0, 0.5]], 2, 1))
    public static let remoteWeight = Sampler(name: "remoteWeight", summary: "diagonal pair with 0.1 on the far corners, divided by 1.2",
                                             kind: kernels([[0.1, 0.5], [0.5, 0.1]], [[0.5, 0.1], [0.1, 0.5]], 2, 1.2))
    public static let remoteNegativeWeight = Sampler(name: "remoteNegativeWeight", summary: "diagonal pair with -0.1 on the far corners, divided by 0.8",
                                                     kind: kernels([[-0.1, 0.5], [0.5, -0.1]], [[0.5, -0.1], [-0.1, 0.5]], 2, 0.8))
    public static let threeSizeSample = Sampler(name: "threeSizeSample", summary: "3x3 cross and corners pair, stride 3, divided by 2.01",
                                                kind: kernels([[0, 0.5, 0], [0.5, 0.01, 0.5], [0, 0.5, 0]],
                                                              [[0.5, 0, 0.5], [0, 0.01, 0], [0.5, 0, 0.5]], 3, 2.01))
    public static let stripe = Sampler(name: "stripe", summary: "right column against left column of each 2x2 block",
                                       kind: kernels([[0, 0.5], [0, 0.5]], [[0.5, 0], [0.5, 0]], 2, 1))
    public static let stripeReverse = Sampler(name: "stripeReverse", summary: "top row against bottom row of each 2x2 block",
                                              kind: kernels([[0.5, 0.5], [0, 0]], [[0, 0], [0.5, 0.5]], 2, 1))
    public static let maxAndAvgPool = Sampler(name: "maxAndAvgPool", summary: "2x2 max pool against 2x2 average pool",
                                              kind: .pools(.max, .average))
    public static let avgPoolAndRandomPool = Sampler(name: "avgPoolAndRandomPool", summary: "2x2 average pool against a random pool (one random row and column per 2x2 block)",
                                                     kind: .pools(.average, .random))
    public static let maxPoolAndRandomPool = Sampler(name: "maxPoolAndRandomPool", summary: "2x2 max pool against a random pool",
                                                     kind: .pools(.max, .random))
    public static let randomPair = Sampler(name: "randomPair", summary: "two independent random pools",
                                           kind: .pools(.random, .random))

    /// Every built-in sampler, the study's eight first.
    public static let builtins: [Sampler] = [
        original, remoteWeight, remoteNegativeWeight, threeSizeSample, stripe,
        maxAndAvgPool, avgPoolAndRandomPool, maxPoolAndRandomPool, stripeReverse, randomPair,
    ]

    /// The eight samplers the study compared, in its table's order.
    public static let study: [Sampler] = Array(builtins.prefix(8))

    /// The built-in sampler with this name (case-insensitive), or nil.
    public static func named(_ name: String) -> Sampler? {
        builtins.first { $0.name.lowercased() == name.lowercased() }
    }

    private static func kernels(_ a: [[Float]], _ b: [[Float]], _ s: Int, _ d: Float) -> Kind {
        .kernels(first: a.joined().map { $0 }, second: b.joined().map { $0 }, size: a.count, stride: s, divisor: d)
    }
}
