import Foundation
import Testing
import Engine
import Pipeline
@testable import Service

/// The key table (`DaemonConfigKey.all`) and what reads it: the loader, `--check-config`, `--help`,
/// and the two documents that list the keys for operators, etc/zsn2nd.yaml and the README's table.
extension ConfigTests {
    private static let names = DaemonConfigKey.all.map(\.name)

    @Test("etc/zsn2nd.yaml sets exactly the table's keys, in its order, each to its default")
    func shippedConfigFileIsTheTable() throws {
        let path = SchemaValidator.repository.appendingPathComponent("etc/zsn2nd.yaml").path
        // The top-level `key: value` lines (comments and the indented lines of a block aside).
        var values: [(key: String, value: String)] = []
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            guard let first = line.first, first != "#", first != " ", let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            values.append((String(line[..<colon]), value == "\"\"" ? "" : value))
        }
        #expect(values.map(\.key) == Self.names)
        for (key, value) in values {
            let entry = try #require(DaemonConfigKey.named(key))
            if entry.allowed == .folder, let folder = entry.defaultValue {
                // The packaged folders, where the unit's working directory puts the defaults.
                #expect(value == "/var/lib/zsn2n/" + folder.dropFirst(2), "\(key): \(value)")
            } else {
                #expect(value == entry.defaultValue ?? "", "\(key): '\(value)', the table says \(entry.defaultText)")
            }
        }
        // And read as the daemon reads it, it is the defaults in the unit's working directory.
        let shipped = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path, workingDirectory: "/var/lib/zsn2n")
        let defaults = try ConfigLoader.load(commandLine: [], environment: [:], configFile: nil, workingDirectory: "/var/lib/zsn2n")
        #expect(shipped.summary == defaults.summary)
    }

    @Test("the README's configuration table lists exactly the table's keys, options, variables and defaults")
    func readmeTableIsTheTable() throws {
        let text = try String(contentsOf: SchemaValidator.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Configuration\n").dropFirst().first)
        let rows = section.split(separator: "\n").drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        let cells = rows.dropFirst(2).map { row in
            row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
        }
        #expect(cells.map { $0.first ?? "" } == Self.names)
        for cell in cells where cell.count == 5 {
            let key = try #require(DaemonConfigKey.named(cell[0]))
            #expect(cell[1] == key.option && cell[2] == key.environmentVariable, "\(cell)")
            #expect(cell[3] == key.defaultText, "\(key.name): the README says \(cell[3]), the table \(key.defaultText)")
        }
    }

    @Test("--help and --check-config list every key of the table, in its order")
    func helpAndSummaryFollowTheTable() throws {
        let help = DaemonConfigKey.helpText
        for key in DaemonConfigKey.all {
            #expect(help.contains("  \(key.name) / \(key.option) / \(key.environmentVariable): \(key.typeText), default \(key.defaultText)\n"))
        }
        #expect(help.contains("ZSN2N_CONCURRENCY: integer, 1 to 64, default 1\n"))
        #expect(help.contains("ZSN2N_AFTER: move | keep | delete, default move\n"))
        #expect(help.contains("ZSN2N_REFERENCE: folder, default none\n"))
        let summary = try ConfigLoader.load(commandLine: [], environment: [:], configFile: nil).summary
        #expect(summary.split(separator: "\n").map { String($0.prefix { $0 != ":" }) } == Self.names)
    }

    /// The training keys the CLI has had (`--crop`, `--batch`, `--learning-rate`, `--bank-stride`),
    /// in each layer, each checked as the CLI checks it.
    @Test("crop, batch, learning_rate and bank_stride from the file, the command line and the environment")
    func trainingKeysInEveryLayer() throws {
        let path = try file("crop: 48\nbatch: 3\nlearning_rate: 2e-3\nbank_stride: 2\n")
        let fromFile = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path)
        #expect(fromFile.job.plan.crop == 48 && fromFile.job.plan.batch == 3 && fromFile.job.plan.learningRate == 2e-3)
        #expect(fromFile.job.methodSettings.bankStride == 2)
        let overridden = try ConfigLoader.load(
            commandLine: ["--crop", "32", "--learning-rate=0.004"],
            environment: ["ZSN2N_BATCH": "5", "ZSN2N_CROP": "40", "ZSN2N_BANK_STRIDE": "3"], configFile: path)
        #expect(overridden.job.plan.crop == 32)                   // command line
        #expect(overridden.job.plan.learningRate == 0.004)        // command line
        #expect(overridden.job.plan.batch == 5)                   // environment over file
        #expect(overridden.job.methodSettings.bankStride == 3)    // environment over file
        // None given: the preset's, as with the CLI.
        let preset = try ConfigLoader.load(commandLine: ["--preset", "fast"], environment: [:], configFile: nil)
        #expect(preset.job.plan == (try DenoiseOptions(validating: DenoiseSettings { $0.preset = "fast" })).plan)
        // `--check-config` writes them back in a form the file accepts.
        let again = try ConfigLoader.load(commandLine: [], environment: [:], configFile: try file(fromFile.summary))
        #expect(again.job.plan == fromFile.job.plan && again.job.methodSettings == fromFile.job.methodSettings)
        #expect(fromFile.summary.contains("\ncrop: 48\nbatch: 3\nlearning_rate: 0.002\nbank_stride: 2\n"))
    }

    @Test func badTrainingKeysOnTheCommandLineAndInTheEnvironment() {
        let cli = refusal(commandLine: ["--batch", "0"])
        #expect(cli?.key == "batch" && cli?.source == "--batch" && cli?.reason == "must be at least 1, got 0")
        #expect(cli?.description == "config key 'batch' (--batch): must be at least 1, got 0")
        let env = refusal(environment: ["ZSN2N_CROP": "3"])
        #expect(env?.key == "crop" && env?.source == "ZSN2N_CROP" && env?.reason == "must be at least 4 pixels, got 3")
        let type = refusal(environment: ["ZSN2N_LEARNING_RATE": "high"])
        #expect(type?.key == "learning_rate" && type?.source == "ZSN2N_LEARNING_RATE" && type?.reason == "expected a number")
        let stride = refusal(commandLine: ["--bank-stride=0"])
        #expect(stride?.key == "bank_stride" && stride?.reason == "must be 1 to 8, got 0")
    }

    @Test("a value out of its range or choices is refused with the key, the file and the reason", arguments: [
        ("crop: 2\n", "crop", "must be at least 4 pixels, got 2"),
        ("batch: 0\n", "batch", "must be at least 1, got 0"),
        ("learning_rate: -1\n", "learning_rate", "must be positive, got -1.0"),
        ("learning_rate: 0\n", "learning_rate", "must be positive, got 0.0"),
        ("bank_stride: 9\n", "bank_stride", "must be 1 to 8, got 9"),
        ("method: zs-n2n\nbank_stride: 2\n", "bank_stride", "is the pixel-bank method's; zs-n2n has no banks"),
        ("strength: 1.5\n", "strength", "must be from 0 to 1, got 1.5"),
        ("strength: -0.1\n", "strength", "must be from 0 to 1, got -0.1"),
        ("crop: wide\n", "crop", "expected an integer, got 'wide'"),
        ("learning_rate: fast\n", "learning_rate", "expected a number, got 'fast'"),
        ("concurrency: 0\n", "concurrency", "must be between 1 and 64"),
        ("concurrency: 65\n", "concurrency", "must be between 1 and 64"),
        ("settle_seconds: 3601\n", "settle_seconds", "must be between 0 and 3600"),
        ("empty_timeout_seconds: -1\n", "empty_timeout_seconds", "must be between 0 and 86400"),
        ("retry_seconds: 0.05\n", "retry_seconds", "must be between 0.1 and 86400"),
        ("seed: -1\n", "seed", "must not be negative"),
        ("after: archive\n", "after", "must be one of move, keep, delete (got 'archive')"),
        ("log_level: loud\n", "log_level", "must be one of trace, debug, info, notice, warning, error, critical"),
        ("inbox: \"\"\n", "inbox", "must name a folder"),
        ("threads: -1\n", "threads", "must be 0 (every core) or more, got -1"),
        ("max_pixels: 0\n", "max_pixels", "must be positive, got 0"),
        ("iterations: -5\n", "iterations", "must be at least 1, got -5"),
    ])
    func rangesAndChoices(yaml: String, key: String, reason: String) throws {
        let error = refusal(configFile: try file(yaml))
        #expect(error?.key == key)
        #expect(error?.source.hasPrefix("file ") == true, "\(String(describing: error))")
        #expect(error?.reason == reason, "\(String(describing: error))")
    }

    @Test("the edges of each range are allowed, an empty reference or declare is none")
    func edgesAreAllowed() throws {
        let path = try file("concurrency: 64\nsettle_seconds: 0\nretry_seconds: 0.1\nempty_timeout_seconds: 86400\nreference: \"\"\ndeclare: \"\"\n")
        let config = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path)
        #expect(config.concurrency == 64 && config.settleSeconds == 0 && config.retrySeconds == 0.1 && config.emptyTimeoutSeconds == 86400)
        #expect(config.reference == nil && config.declaredSamplers.isEmpty)
        #expect(config.job.threads == max(1, Parallel.availableCores / 64))  // threads 0, shared among 64 jobs
    }
}
