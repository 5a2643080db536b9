import Foundation
import Testing
import Denoiser
import Engine
@testable import Pipeline

/// The one validated settings value: every refusal names its key.
@Suite struct DenoiseOptionsTests {
    @Test func defaultsAndOverrides() throws {
        let defaults = try DenoiseOptions(validating: DenoiseSettings())
        #expect(defaults.method.name == PixelBankMethod.name && defaults.preset == .balanced && defaults.plan == PixelBankMethod.plan(.balanced))
        #expect(try DenoiseOptions(validating: DenoiseSettings(method: "zs-n2n")).plan == ZSN2NMethod.plan(.balanced))
        #expect(defaults.sampler == .original)
        #expect(defaults.threads == Parallel.availableCores)
        // threads 0: the cores shared among the jobs that run at once, at least one each.
        #expect(try DenoiseOptions(validating: DenoiseSettings(concurrency: 2)).threads == max(1, Parallel.availableCores / 2))
        #expect(try DenoiseOptions(validating: DenoiseSettings(concurrency: 64)).threads == 1)
        let custom = try DenoiseOptions(validating: DenoiseSettings(sampler: "stripe", preset: "paper", iterations: 300, seed: 4,
                                                                    threads: 1, crop: 64, batch: 3, learningRate: 5e-4))
        #expect(custom.sampler == .stripe && custom.seed == 4 && custom.threads == 1)
        #expect(custom.plan.iterations == 300 && custom.plan.stepSize == 100)
        #expect(custom.plan.crop == 64 && custom.plan.batch == 3 && custom.plan.learningRate == 5e-4)
        // The settings as given are kept beside what they resolved to (`--check-config` prints them).
        #expect(custom.settings.crop == 64 && custom.settings.threads == 1 && custom.iterations == 300)
        #expect(DenoiseSettings { $0.preset = "paper"; $0.crop = 64 } == DenoiseSettings(preset: "paper", crop: 64))
        #expect(try DenoiseOptions(validating: DenoiseSettings { $0.preset = "paper" }) != defaults)
        let declared = DeclaredSampler(name: "mine", k1: [[0, 0.5], [0.5, 0]], k2: [[0.5, 0], [0, 0.5]], stride: 2, divisor: 1)
        let mine = try DenoiseOptions(validating: DenoiseSettings(sampler: "mine", declarations: [declared]))
        #expect(mine.sampler.name == "mine" && mine.declaration == declared)
        #expect(defaults.declaration == nil)
    }

    @Test(arguments: [
        (["sampler": "blurry"], "sampler", "unknown sampler 'blurry'"),
        (["preset": "turbo"], "preset", "unknown preset 'turbo'"),
        (["iterations": "0"], "iterations", "must be at least 1"),
        (["threads": "-1"], "threads", "must be 0 (every core) or more"),
        (["max_pixels": "0"], "max_pixels", "must be positive"),
        (["jpeg_quality": "101"], "jpeg_quality", "between 1 and 100"),
        (["crop": "2"], "crop", "at least 4 pixels"),
        (["batch": "0"], "batch", "at least 1"),
        (["learning_rate": "-1"], "learning_rate", "must be positive"),
    ])
    func refusalsNameTheKey(values: [String: String], key: String, reason: String) {
        let error = #expect(throws: SettingsError.self) {
            try DenoiseOptions(validating: DenoiseSettings(
                sampler: values["sampler"] ?? "original", preset: values["preset"] ?? "balanced",
                iterations: values["iterations"].flatMap { Int($0) }, threads: Int(values["threads"] ?? "0")!,
                maxPixels: Int(values["max_pixels"] ?? "100") ?? 100, jpegQuality: Int(values["jpeg_quality"] ?? "95")!,
                crop: values["crop"].flatMap { Int($0) }, batch: values["batch"].flatMap { Int($0) },
                learningRate: values["learning_rate"].flatMap { Double($0) }))
        }
        #expect(error?.key == key)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.option == "--" + key.replacingOccurrences(of: "_", with: "-"))
    }

    @Test func declarationsAreChecked() {
        let twin = DeclaredSampler(name: "twin", k1: [[1]], k2: [[1]], stride: 1, divisor: 1)
        let twice = #expect(throws: SettingsError.self) { try DenoiseOptions(validating: DenoiseSettings(declarations: [twin, twin])) }
        #expect(twice?.key == "declare" && twice?.reason.contains("declared twice") == true)
        let hiding = DeclaredSampler(name: "original", k1: [[1]], k2: [[1]], stride: 1, divisor: 1)
        let hidden = #expect(throws: SettingsError.self) { try DenoiseOptions(validating: DenoiseSettings(declarations: [hiding])) }
        #expect(hidden?.key == "declare" && hidden?.reason.contains("would hide the built-in") == true)
    }
}
