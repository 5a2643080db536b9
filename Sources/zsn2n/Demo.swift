import ArgumentParser
import Denoiser
import Foundation
import Imaging

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Denoise the embedded example: a 128x128 crop of astronaut.png with Gaussian noise (sigma 25).",
        discussion: "Writes clean.png, noisy.png, denoised.png and denoised.json into --out and prints what it measured.")

    @Option(help: "Folder for the demo's files.") var out = "zsn2n-demo"
    @Option(help: "Training preset.") var preset = Preset.balanced.name
    @Option(help: "Training iterations (overrides the preset's).") var iterations: Int?
    @Option(help: "Random seed for the noise and the training.") var seed: UInt64 = 0

    func run() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let dir = URL(fileURLWithPath: out)
        let clean = dir.appendingPathComponent("clean.png").path
        let noisy = dir.appendingPathComponent("noisy.png").path
        let denoised = dir.appendingPathComponent("denoised.png").path
        let (image, _) = try ImageIO.decode(DemoImage.pngBytes, name: "embedded astronaut crop")
        try ImageIO.write(image, to: clean, format: .png)
        try ImageIO.write(NoiseModel.gauss(sigma: 25).apply(to: image, seed: seed), to: noisy, format: .png)
        print("demo: gauss:25 noise on a 128x128 crop of astronaut.png -> \(noisy)")
        // The demo's folder is its own: a second run replaces what the first wrote.
        var arguments = [noisy, "-o", denoised, "--force", "--reference", clean, "--preset", preset, "--seed", "\(seed)",
                         "--sidecar", dir.appendingPathComponent("denoised.json").path]
        if let iterations { arguments += ["--iterations", "\(iterations)"] }
        let command = try Denoise.parse(arguments)
        try command.run()
    }
}
