import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The built zsn2nd running on a temporary tree (inbox, outbox, done, failed) with a NOTIFY_SOCKET
/// the test owns. Nothing is mocked: it is the binary an operator would run.
final class DaemonHarness {
    let root: URL
    let notify: NotifyListener
    private(set) var process: Process?
    var arguments: [String]
    var environment: [String: String] = [:]
    /// A command that execs the daemon (its arguments follow), e.g. to run it in a namespace.
    var launcher: [String] = []
    var workingDirectory: URL?

    var inbox: URL { root.appendingPathComponent("inbox") }
    var outbox: URL { root.appendingPathComponent("outbox") }
    var done: URL { root.appendingPathComponent("done") }
    var failed: URL { root.appendingPathComponent("failed") }
    var stderrLog: URL { root.appendingPathComponent("zsn2nd.stderr") }
    var pid: Int32 { process?.processIdentifier ?? 0 }

    /// The daemon binary, built by `swift build`/`swift test` next to the test bundle.
    static let binary: URL = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("zsn2nd")
    }()

    init(settleSeconds: Double = 0.3, iterations: Int = 20, extra: [String] = []) throws {
        root = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("zsn2nd-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        notify = try NotifyListener(path: root.appendingPathComponent("notify.sock").path)
        arguments = ["--inbox", root.appendingPathComponent("inbox").path,
                     "--outbox", root.appendingPathComponent("outbox").path,
                     "--done", root.appendingPathComponent("done").path,
                     "--failed", root.appendingPathComponent("failed").path,
                     "--settle-seconds", "\(settleSeconds)", "--iterations", "\(max(10, iterations / Self.iterationDivisor))",
                     "--threads", "1"] + extra
    }

    /// Every wait is this many times longer: sanitizer builds (scripts/sanitize.sh) run the daemon
    /// several times slower.
    static let timeScale = Double(ProcessInfo.processInfo.environment["ZSN2N_TEST_TIME_SCALE"] ?? "") ?? 1

    /// Under a sanitizer (scripts/sanitize.sh sets ZSN2N_SANITIZER) a training takes this many
    /// times fewer iterations, at least 10, in proportion to what the sanitizer costs: an iteration
    /// costs 8 to 10 times more under ThreadSanitizer, most of it in the instrumented joins (150
    /// iterations of a 2x3 image: 10 s), 2 to 3 times more under AddressSanitizer. What these tests
    /// check is the files and the threads, not the network: a training still lasts at least as long
    /// as it does unsanitized, so kills and replacements still fall inside one.
    static let iterationDivisor = switch ProcessInfo.processInfo.environment["ZSN2N_SANITIZER"] {
    case "thread": 8
    case "address": 2
    default: 1
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        // Under a sanitizer the daemon reports to its stderr, which only this harness reads.
        for sanitizer in ["ThreadSanitizer", "AddressSanitizer", "LeakSanitizer"] where stderrText.contains("WARNING: \(sanitizer)") || stderrText.contains("ERROR: \(sanitizer)") {
            Issue.record("zsn2nd reported a \(sanitizer) finding:\n\(stderrText.suffix(4000))")
        }
        notify.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func start() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path),
                "zsn2nd not built next to the tests at \(Self.binary.path)")
        let process = Process()
        let command = launcher + [Self.binary.path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ZSN2N_") && !$0.key.hasPrefix("WATCHDOG_") }
        env["NOTIFY_SOCKET"] = notify.path
        env.merge(environment) { $1 }
        process.environment = env
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        if !FileManager.default.fileExists(atPath: stderrLog.path) {
            _ = FileManager.default.createFile(atPath: stderrLog.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: stderrLog)
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
    }

    /// Waits for READY=1 from this run (the n-th READY=1 overall when restarted).
    func waitReady(count: Int = 1, timeout: Double = 15) -> Bool {
        waitUntil(timeout: timeout) { self.notify.count("READY=1") >= count }
    }

    /// Sends `signal` and waits for the exit; returns the exit status and the seconds it took.
    func stop(signal: Int32 = SIGTERM, timeout: Double = 30) -> (status: Int32, seconds: Double, exited: Bool) {
        guard let process else { return (-1, 0, false) }
        let start = Date()
        kill(process.processIdentifier, signal)
        let exited = waitUntil(timeout: timeout) { !process.isRunning }
        if exited { process.waitUntilExit() }
        return (process.terminationStatus, Date().timeIntervalSince(start), exited)
    }

    func killNow() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout * Self.timeScale)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// Visible names in a folder (temporaries and the ledger are hidden).
    func names(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func allNames(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    /// Drops a file the way most tools do: written under a hidden name, then renamed in.
    func drop(_ data: Data, as name: String) throws {
        let hidden = inbox.appendingPathComponent(".\(name).uploading")
        try data.write(to: hidden)
        guard rename(hidden.path, inbox.appendingPathComponent(name).path) == 0 else { throw POSIXError(.EIO) }
    }

    func sidecar(_ name: String) -> [String: Any]? {
        guard let data = try? Data(contentsOf: outbox.appendingPathComponent(name + ".json")) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    var stderrText: String { (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? "" }
}

func sha256(_ data: Data) -> String {
    let path = NSTemporaryDirectory() + "zsn2nd-hash-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: path, contents: data)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(String(decoding: out, as: UTF8.self).prefix(64))
}
