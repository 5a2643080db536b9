/// Labels of the independent random streams one seed feeds.
public enum RandomStream {
    public static let initialisation: UInt64 = 1
    public static let sampler: UInt64 = 2
    public static let crops: UInt64 = 3
    public static let noise: UInt64 = 4
    public static let bankDraws: UInt64 = 5
    public static let bankRegions: UInt64 = 6
    /// Inference draws: this plus 256 times the tile's index, one stream a tile.
    public static let bankInference: UInt64 = 7
}
