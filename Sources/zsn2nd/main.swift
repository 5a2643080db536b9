import ArgumentParser
import Foundation
import Service

/// zsn2nd: watches an inbox and denoises every image dropped there. See README.md ("Running the daemon").
struct Zsn2nd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zsn2nd",
        abstract: "Denoise every image dropped into a folder (Zero-Shot Noise2Noise), with a JSON sidecar each.",
        discussion: DaemonConfigKey.helpText
            + "\nEvery key is also accepted as --key value (e.g. --settle-seconds 0.5).")

    @Option(help: "YAML configuration file (also ZSN2N_CONFIG).")
    var config: String?

    @Flag(help: "Check the configuration, print the resolved settings and exit (0 if valid, 78 if not).")
    var checkConfig = false

    @Argument(parsing: .allUnrecognized, help: "--key value settings, as listed below.")
    var settings: [String] = []

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let file = config ?? environment["ZSN2N_CONFIG"]
        let settings = self.settings
        let load: Daemon.ConfigSource = {
            try ConfigLoader.load(commandLine: settings, environment: environment, configFile: file)
        }
        let resolved: DaemonConfig
        do {
            resolved = try load()
        } catch {
            FileHandle.standardError.write("zsn2nd: \(error)\n".data(using: .utf8)!)
            throw ExitCode(78)  // EX_CONFIG: systemd's RestartPreventExitStatus keeps it from looping
        }
        if checkConfig {
            print(resolved.summary)
            return
        }
        let daemon = Daemon(config: resolved, journal: Journal(), loadConfig: load)
        do {
            try daemon.run()
        } catch {
            FileHandle.standardError.write("zsn2nd: cannot start: \(error)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
    }
}

Zsn2nd.main()
