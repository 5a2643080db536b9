/// The summary of one table cell over its seeds: the mean, and the spread as the sample standard
/// deviation (n - 1 in the denominator), which is what "mean ± sd" in a results table usually means.
/// With one seed there is no spread to report, so it is nil rather than a misleading 0.
public struct Summary: Sendable, Equatable, Codable {
    public var mean: Double
    public var spread: Double?
    public var count: Int

    public init(mean: Double, spread: Double?, count: Int) {
        self.mean = mean
        self.spread = spread
        self.count = count
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(spread, forKey: .spread)  // null with one seed, rather than a missing key
        try c.encode(count, forKey: .count)
    }

    /// nil for an empty list.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        var spread: Double?
        if values.count > 1 {
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            spread = (squares / Double(values.count - 1)).squareRoot()
        }
        self.init(mean: mean, spread: spread, count: values.count)
    }
}
