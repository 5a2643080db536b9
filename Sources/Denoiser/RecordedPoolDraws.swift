import Engine

/// Replays draws recorded elsewhere (the reference's fixtures), in call order.
public struct RecordedPoolDraws: PoolDrawSource {
    public var draws: [PoolDraw]
    public private(set) var next = 0
    public init(_ draws: [PoolDraw]) { self.draws = draws }

    public mutating func draw(height: Int, width: Int) -> PoolDraw {
        defer { next += 1 }
        precondition(next < draws.count, "the recording holds only \(draws.count) draws")
        return draws[next]
    }
}
