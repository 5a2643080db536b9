import ArgumentParser
import Denoiser
import Foundation
import Pipeline

@main
struct ZSN2N: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zsn2n",
        abstract: "Zero-shot denoising: denoise an image by training a small network on that image alone, on the CPU.",
        version: zsn2nVersion,
        subcommands: [Denoise.self, Demo.self, NoiseCommand.self, MetricsCommand.self, Evaluate.self, SamplersCommand.self, Bench.self, Reproduce.self]
    )
}

/// `zsn2n samplers`: the built-in samplers, a line each.
struct SamplersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samplers", abstract: "List every sampler with a one-line description.")

    func run() throws {
        let width = Sampler.builtins.map(\.name.count).max() ?? 0
        for sampler in Sampler.builtins {
            let study = Sampler.study.contains(sampler) ? "" : " (not in the study's table)"
            print(sampler.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + sampler.summary + study)
        }
    }
}
