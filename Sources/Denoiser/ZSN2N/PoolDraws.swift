import Engine

/// The rows and columns one random pool picked: one per pair of rows (the last block takes three
/// when the height is odd), one per pair of columns, shared by every channel.
public struct PoolDraw: Sendable, Equatable, Codable {
    public var rows: [Int]
    public var cols: [Int]
    public init(rows: [Int], cols: [Int]) {
        self.rows = rows
        self.cols = cols
    }
}

/// Where random pools get their picks: the seeded generator in training, a recording in tests.
public protocol PoolDrawSource {
    mutating func draw(height: Int, width: Int) -> PoolDraw
}


/// Picks uniformly with zsn2n's generator, rows first, then columns.
public struct RandomPoolDraws: PoolDrawSource {
    public var rng: Random
    public init(rng: Random) { self.rng = rng }

    public mutating func draw(height: Int, width: Int) -> PoolDraw {
        PoolDraw(rows: picks(height), cols: picks(width))
    }

    private mutating func picks(_ n: Int) -> [Int] {
        let blocks = n / 2
        return (0..<blocks).map { i in
            let size = i < blocks - 1 ? 2 : n - 2 * i
            return 2 * i + rng.int(below: size)
        }
    }
}


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
