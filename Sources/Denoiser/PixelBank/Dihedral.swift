/// The eight flips and quarter turns of a square (four of them for any rectangle: the identity,
/// the two flips and the half turn), as a map from an output pixel to the input pixel it shows.
/// The pixel-bank method augments white-noise training with them and averages its output over
/// them; correlated camera noise is not symmetric under quarter turns, so there they are not used.
public struct Dihedral: Sendable, Equatable {
    /// 0 ..< 8: bit 2 flips the columns first, then `turns` quarter turns counter-clockwise.
    public var code: Int

    public init(_ code: Int) { self.code = code }

    public static let all = (0..<8).map(Dihedral.init)
    /// The ones that keep a rectangle's shape: identity, half turn, and both flips.
    public static let shapePreserving = [Dihedral(0), Dihedral(2), Dihedral(4), Dihedral(6)]

    var flips: Bool { code >= 4 }
    var turns: Int { code % 4 }

    /// The size of the image once transformed.
    public func size(height: Int, width: Int) -> (height: Int, width: Int) {
        turns % 2 == 0 ? (height, width) : (width, height)
    }

    /// For output pixel (y, x) of the transformed image, the pixel of the original (height x width)
    /// it shows.
    @inline(__always)
    public func source(y: Int, x: Int, height: Int, width: Int) -> (y: Int, x: Int) {
        // Undo the turns: a counter-clockwise quarter turn puts at (r, c) what was at
        // (c, h - 1 - r), h the turned image's height (the width before the turn).
        var (r, c) = (y, x)
        var (h, w) = size(height: height, width: width)
        for _ in 0..<turns {
            (r, c) = (c, h - 1 - r)
            (h, w) = (w, h)
        }
        if flips { c = width - 1 - c }
        return (r, c)
    }
}
