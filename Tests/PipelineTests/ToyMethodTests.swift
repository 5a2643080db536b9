import Foundation
import Testing
import Denoiser
import Engine
import Imaging
@testable import Pipeline

/// A third method, written and registered here only: what adding a method takes (this type, one
/// `DenoisingMethods.register`) and that the pipeline, the settings and the sidecar need nothing
/// else. It trains f (so that the trainer's loop, progress and losses are exercised) on a loss that
/// pulls f towards zero, and then leaves the image as it was: its output is its input.
struct IdentityMethod: DenoisingMethod, Equatable {
    static let name = "identity"
    static let summary = "the image as it came (a test's toy)"
    let label: String

    init(_ settings: MethodSettings) throws {
        guard settings.without.isEmpty else { throw SettingsError(key: "method", "identity has no parts to take away") }
        label = "untouched"
    }

    static func plan(_ preset: Preset) -> TrainingPlan { TrainingPlan(iterations: 4, stepSize: 2) }

    func refusal(height: Int, width: Int) -> String? {
        height * width >= 4 ? nil : "a \(width)x\(height) image has too few pixels for the identity"
    }

    func prepare(_ image: Image, plan: TrainingPlan, seed: UInt64, parallel: Parallel) throws -> any DenoisingRun {
        let memory = Network.memory(channels: image.channels, threads: parallel.threads)
            + Workspace.memory(channels: image.channels, height: 4, width: 4, training: true)
        let trainer = try Trainer(pixels: image.pixels, channels: image.channels, height: image.height, width: image.width,
                                  plan: plan, seed: seed, parallel: parallel, memory: memory) { network in
            ZeroObjective(network: network, channels: image.channels)
        }
        return Run(trainer: trainer, label: label)
    }

    /// mean(f(x)^2) on a 4x4 corner of the image: f learns to do nothing.
    final class ZeroObjective: TrainingObjective {
        let network: Network
        let workspace: Workspace
        init(network: Network, channels: Int) {
            self.network = network
            workspace = Workspace(channels: channels, height: 4, width: 4)
        }
        var workPerSample: EngineWork { network.work(height: 4, width: 4) }
        func evaluateSample(image: UnsafeBufferPointer<Float>) -> Double {
            network.forward(workspace)
            let ws = workspace, count = Float(ws.channels * 16)
            var loss = 0.0
            for c in 0..<ws.channels {
                for y in 0..<4 {
                    for x in 0..<4 {
                        let f = ws.output[c, y, x]
                        loss += Double(f * f / count)
                        ws.gradOutput[c, y, x] = 2 * f / count
                    }
                }
            }
            network.backward(workspace)
            return loss
        }
    }

    struct Run: DenoisingRun {
        let trainer: Trainer
        let label: String
        var inferenceMemory: MemoryPlan { MemoryPlan() }
        func denoise(_ pixels: inout [Float]) {}
        var report: MethodReport { MethodReport(headline: "identity", fields: ["identity": ["output": label]]) }
    }
}

@Suite struct ToyMethodTests {
    /// Registered once for the process, whichever test asks first.
    static let registered: Void = DenoisingMethods.register(IdentityMethod.self)

    @Test("a method registered from outside runs through the settings, the pipeline and the sidecar")
    func registeredMethodRunsWhole() throws {
        _ = Self.registered
        #expect(DenoisingMethods.names.hasSuffix(", identity"))
        #expect(DenoisingMethods.named("IDENTITY") != nil)
        let options = try DenoiseOptions(validating: DenoiseSettings(method: "identity", preset: "fast", seed: 2, threads: 1))
        #expect(options.method.name == "identity" && options.plan == IdentityMethod.plan(.fast))
        #expect(options != (try DenoiseOptions(validating: DenoiseSettings(method: "zs-n2n", preset: "fast", seed: 2, threads: 1))))
        #expect(throws: SettingsError(key: "method", "identity has no parts to take away")) {
            try DenoiseOptions(validating: DenoiseSettings(method: "identity~draws"))
        }
        try withTemporaryDirectory { dir in
            let path = dir + "/toy.png"
            try writeNoisyImage(to: path, side: 20, seed: 4)
            var iterations: [Int] = []
            let result = try DenoisePipeline.run(try InputFile(opening: path), options: options) { iterations.append($0.iteration) }
            #expect(iterations == [1, 2, 3, 4])
            // Its output is its input, bit for bit once quantised as the input was.
            let (input, _) = try ImageIO.read(path)
            #expect(result.image.pixels.map { ($0 * 255).rounded() } == input.pixels.map { ($0 * 255).rounded() })
            #expect(result.headline == "identity")
            let json = try JSONSerialization.jsonObject(with: try result.sidecar(outputFile: "toy.png").jsonData()) as? [String: Any]
            let denoiser = try #require(json?["denoiser"] as? [String: Any])
            #expect(denoiser["method"] as? String == "identity" && denoiser["iterations"] as? Int == 4)
            #expect((denoiser["identity"] as? [String: String]) == ["output": "untouched"])
            #expect(denoiser["sampler"] == nil && denoiser["pixel_bank"] == nil)
            let loss = try #require(json?["loss"] as? [String: Double])
            #expect(loss["last"]! < loss["first"]!)

            let tiny = dir + "/tiny.png"
            try writeNoisyImage(to: tiny, side: 1, seed: 1)
            #expect(throws: PipelineError.self) { try DenoisePipeline.run(try InputFile(opening: tiny), options: options) }
        }
    }
}
