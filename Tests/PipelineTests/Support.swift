import Foundation
import Imaging

/// A fresh temporary folder, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zsn2n-pipeline-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}

/// A noisy gray or RGB ramp with a square, different for each seed, as a PNG file.
func writeNoisyImage(to path: String, side: Int = 24, channels: Int = 3, seed: UInt64) throws {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    func noise() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(state >> 40) / Float(1 << 24) * 0.2 - 0.1
    }
    var image = Image(width: side, height: side, channels: channels)
    for c in 0..<channels {
        for y in 0..<side {
            for x in 0..<side {
                let square: Float = (6..<14).contains(x) && (8..<16).contains(y) ? 0.4 : 0
                let v = 0.2 + 0.4 * Float(x) / Float(side) + 0.1 * Float(c) + square + noise()
                image.pixels[(c * side + y) * side + x] = min(max(v, 0), 1)
            }
        }
    }
    try ImageIO.write(image, to: path, format: .png)
}
