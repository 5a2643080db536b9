import ArgumentParser
import Foundation
import Pipeline
import Service

/// zsn2nd: watches an inbox and denoises every image dropped there. See README.md ("Running the daemon") and docs/operating.md.
struct Zsn2nd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zsn2nd",
        abstract: "Denoise every image dropped into a folder (zero-shot: a network trained on each image alone), with a JSON sidecar each.",
        discussion: DaemonConfigKey.helpText
            + "\nEvery key is also accepted as --key value (e.g. --settle-seconds 0.5).",
        version: zsn2nVersion)

    @Option(help: "YAML configuration file (also ZSN2N_CONFIG).")
    var config: String?

    @Flag(help: "Check the configuration, print the resolved settings and exit (0 if valid, 78 if not).")
    var checkConfig = false

    @Option(name: .customLong("reload"), help: ArgumentHelp(
        "Read the configuration as a reload would (same file, environment and --key values) and, if it is valid, send SIGHUP to <pid>; if not, print why and exit 78 without signalling (the unit's ExecReload, so that `systemctl reload` fails on a bad configuration).",
        valueName: "pid"))
    var reload: Int32?

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
            let refusal = reload == nil ? "" : "reload refused, the running configuration is kept: "
            FileHandle.standardError.write("zsn2nd: \(refusal)\(error)\n".data(using: .utf8)!)
            throw ExitCode(78)  // EX_CONFIG: systemd's RestartPreventExitStatus keeps it from looping
        }
        if let pid = reload {
            // No /bin/kill needed on the target (procps is not on a minimal system), and a
            // configuration the daemon would refuse is refused here, where systemctl sees it.
            guard pid > 0 else {
                FileHandle.standardError.write("zsn2nd: --reload: not a process id: \(pid)\n".data(using: .utf8)!)
                throw ExitCode(64)
            }
            if kill(pid, SIGHUP) != 0 {
                let reason = String(cString: strerror(errno))
                FileHandle.standardError.write("zsn2nd: --reload: cannot signal process \(pid): \(reason)\n".data(using: .utf8)!)
                throw ExitCode(1)
            }
            return
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
