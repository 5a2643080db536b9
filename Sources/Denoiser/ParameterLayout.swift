import Engine

/// Where each parameter tensor sits in the flat buffer.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var range: Range<Int>
        public var fanIn: Int
    }

    public let conv1Weight, conv1Bias, conv2Weight, conv2Bias, conv3Weight, conv3Bias: Range<Int>
    public let tensors: [Entry]
    public var count: Int { conv3Bias.upperBound }

    public init(channels c: Int) {
        let e = Network.features
        var next = 0
        func take(_ n: Int) -> Range<Int> { defer { next += n }; return next..<(next + n) }
        conv1Weight = take(e * c * 9); conv1Bias = take(e)
        conv2Weight = take(e * e * 9); conv2Bias = take(e)
        conv3Weight = take(c * e); conv3Bias = take(c)
        tensors = [
            Entry(name: "c1.weight", range: conv1Weight, fanIn: c * 9),
            Entry(name: "c1.bias", range: conv1Bias, fanIn: c * 9),
            Entry(name: "c2.weight", range: conv2Weight, fanIn: e * 9),
            Entry(name: "c2.bias", range: conv2Bias, fanIn: e * 9),
            Entry(name: "c3.weight", range: conv3Weight, fanIn: e),
            Entry(name: "c3.bias", range: conv3Bias, fanIn: e),
        ]
    }
}
