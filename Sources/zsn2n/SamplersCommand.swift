import ArgumentParser
import Denoiser

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

import Foundation
