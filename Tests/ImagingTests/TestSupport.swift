import Foundation
import Testing
@testable import Imaging

/// A fixture file's path in the test bundle.
func fixture(_ name: String) -> String {
    Bundle.module.resourcePath! + "/Fixtures/" + name
}

func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
}

/// A fresh temporary folder, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("zsn2n-codecs-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// SplitMix64: a tiny seeded generator, so every random test is the same on every run.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An image whose every value is an exact level v / maxLevel (random v), so a lossless codec at
/// that depth must give it back bit for bit.
func levelImage(width: Int, height: Int, channels: Int, alpha: Bool, maxLevel: Int, seed: UInt64) -> Image {
    var rng = TestRandom(seed: seed)
    let scale = Float(maxLevel)
    func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float(Int.random(in: 0...maxLevel, using: &rng)) / scale }
    }
    return Image(width: width, height: height, channels: channels,
                 pixels: values(width * height * channels),
                 alpha: alpha ? values(width * height) : nil)
}

/// A smooth image (gradients and a soft blob): what JPEG is designed for.
func smoothImage(width: Int, height: Int, channels: Int) -> Image {
    var image = Image(width: width, height: height, channels: channels)
    for c in 0..<channels {
        for y in 0..<height {
            for x in 0..<width {
                let u = Float(x) / Float(width - 1), v = Float(y) / Float(height - 1)
                let dx = u - 0.5, dy = v - 0.5
                let blob = expf(-(dx * dx + dy * dy) * 8)
                image[c, y, x] = 0.1 + 0.4 * (c == 0 ? u : c == 1 ? v : 1 - u) + 0.4 * blob
            }
        }
    }
    return image
}

/// Runs `body`, which must throw an `ImageError` naming `file` whose reason contains `reason`.
func expectImageError(file: String, reason: String, sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected an ImageError containing \"\(reason)\", got success", sourceLocation: sourceLocation)
    } catch let error as ImageError {
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.reason.contains(reason), "reason was: \(error.reason)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected an ImageError, got \(error)", sourceLocation: sourceLocation)
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func psnr(_ a: [Float], _ b: [Float]) -> Double {
    let mse = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(a.count)
    return 10 * log10(1 / mse)
}
