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
