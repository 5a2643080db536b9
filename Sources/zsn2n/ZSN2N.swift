import ArgumentParser
import Pipeline

@main
struct ZSN2N: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zsn2n",
        abstract: "Zero-Shot Noise2Noise: denoise an image by training a small network on that image alone.",
        version: zsn2nVersion,
        subcommands: [Denoise.self, Demo.self, NoiseCommand.self, MetricsCommand.self, Evaluate.self, SamplersCommand.self, Bench.self, Reproduce.self]
    )
}
