import Engine

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
