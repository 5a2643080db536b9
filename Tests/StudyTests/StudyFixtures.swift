import Foundation
import Denoiser
import Imaging
@testable import Study

/// Small studies that run in well under a second per run: 24x24 images, 20 iterations.
enum StudyFixtures {
    /// A 24x24 image with structure the network can learn: a gradient, a bright square, a diagonal.
    static func image(name: String, channels: Int) -> StudyImage {
        let side = 24
        var pixels = [Float](repeating: 0, count: channels * side * side)
        for c in 0..<channels {
            for y in 0..<side {
                for x in 0..<side {
                    var v = 0.2 + 0.5 * Float(x) / Float(side) + 0.1 * Float(c)
                    if (6..<14).contains(x) && (8..<16).contains(y) { v = 0.9 }
                    if abs(x - y) <= 1 { v = 0.05 }
                    pixels[(c * side + y) * side + x] = v
                }
            }
        }
        return StudyImage(name: name, file: name + ".png", image: Image(width: side, height: side, channels: channels, pixels: pixels))
    }

    /// Two images (gray, RGB) x gauss:25 and poisson:50 x the study's eight samplers, seed 0, and
    /// seeds 0 and 1 for `original`: 36 runs of 20 iterations.
    static func settings(iterations: Int = 20, samplers: [Sampler] = Sampler.study,
                         images: [StudyImage]? = nil) throws -> StudySettings {
        try StudySettings(images: images ?? [image(name: "gray", channels: 1), image(name: "rgb", channels: 3)],
                          samplers: samplers, noises: [.gauss(sigma: 25), .poisson(peak: 50)],
                          seeds: [0], seedsBySampler: ["original": [0, 1]],
                          plan: ZSN2NMethod.plan(.paper).with(iterations: iterations), curveEvery: 10)
    }

    static func temporaryFolder() throws -> StudyFolder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zsn2n-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return StudyFolder(path: url.path)
    }

    static func remove(_ folder: StudyFolder) {
        try? FileManager.default.removeItem(atPath: folder.path)
    }

    /// One uninterrupted run of `settings()`, shared by the tests that only read it. (Its folder
    /// stays in the temporary directory: Swift Testing has no hook after the last test.)
    static let uninterrupted: (folder: StudyFolder, report: StudyReport) = {
        let folder = try! temporaryFolder()
        let report = try! StudyRunner(settings: try! settings(), folder: folder).run()
        return (folder, report)
    }()

    /// The results with the only field that is not reproducible, the wall time, set to 0.
    static func withoutTimes(_ results: StudyResults) -> StudyResults {
        var copy = results
        for i in copy.runs.indices { copy.runs[i].seconds = 0 }
        return copy
    }

    static func read(_ folder: StudyFolder, _ relative: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: folder.file(relative)))
    }
}
