import Foundation
import Testing
@testable import Service

/// The configuration layers, in process: precedence, unknown keys, wrong types and bad values are
/// each reported with the key's name and where it came from.
@Suite struct ConfigTests {
    /// A temporary YAML file holding `text`.
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "zsn2nd-config-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What the loader refuses these sources with (nil, and a failed expectation, if it accepts them).
    func refusal(commandLine: [String] = [], environment: [String: String] = [:], configFile: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) -> DaemonConfigError? {
        #expect(throws: DaemonConfigError.self, sourceLocation: sourceLocation) {
            try ConfigLoader.load(commandLine: commandLine, environment: environment, configFile: configFile)
        }
    }

    @Test func defaultsRunOnFoldersInTheWorkingDirectory() throws {
        let config = try ConfigLoader.load(commandLine: [], environment: [:], configFile: nil, workingDirectory: "/srv/x")
        #expect(config.inbox == "/srv/x/inbox")
        #expect(config.outbox == "/srv/x/outbox")
        #expect(config.done == "/srv/x/done")
        #expect(config.failed == "/srv/x/failed")
        #expect(config.after == .move)
        #expect(config.concurrency == 1)
        #expect(config.iterations == nil)
    }

    @Test("journal entries name the method, and a sampler only for the method that has one")
    func journalFieldsNameTheMethod() throws {
        let standard = try ConfigLoader.load(commandLine: [], environment: [:], configFile: nil)
        #expect(standard.denoiserFields == ["method": "pixel-bank", "preset": "balanced"])
        let zsn2n = try ConfigLoader.load(commandLine: ["--method", "zs-n2n", "--sampler", "stripe"], environment: [:],
                                          configFile: nil)
        #expect(zsn2n.denoiserFields == ["method": "zs-n2n", "preset": "balanced", "sampler": "stripe"])
    }

    @Test func commandLineBeatsEnvironmentBeatsFileBeatsDefault() throws {
        let path = try file("preset: paper\nsampler: stripe\nsettle_seconds: 5\nseed: 3\n")
        let config = try ConfigLoader.load(
            commandLine: ["--preset", "fast", "--settle-seconds=0.25"],
            environment: ["ZSN2N_PRESET": "balanced", "ZSN2N_SAMPLER": "remoteWeight", "HOME": "/root"],
            configFile: path, workingDirectory: "/w")
        #expect(config.preset == "fast")             // command line
        #expect(config.settleSeconds == 0.25)        // command line, kebab-case with '='
        #expect(config.sampler == "remoteWeight")    // environment over file
        #expect(config.seed == 3)                    // file over default
        #expect(config.jpegQuality == 95)            // default
    }

    @Test func declaredKernelPairsAreSamplersByNameInEveryLayer() throws {
        let path = try file("""
            declare:
              - {name: diagonal, k1: [[0, 0.5], [0.5, 0]], k2: [[0.5, 0], [0, 0.5]], stride: 2, divisor: 1}
              - name: wide
                k1: [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
                k2: [[0, 0, 0], [0, 0, 0], [0, 0, 1]]
                stride: 3
                divisor: 1
            sampler: wide
            """)
        let fromFile = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path)
        #expect(fromFile.declaredSamplers.map(\.name) == ["diagonal", "wide"])
        #expect(fromFile.declaredSamplers[1].k2[2] == [0, 0, 1])
        #expect(fromFile.sampler == "wide")
        #expect(fromFile.job.sampler.name == "wide")
        // The summary (`--check-config`) writes the declarations back in a form the file accepts.
        let again = try ConfigLoader.load(commandLine: [], environment: [:],
                                          configFile: try file(fromFile.summary))
        #expect(again.declaredSamplers == fromFile.declaredSamplers)

        let json = #"{"name":"mine","k1":[[0,0.5],[0.5,0]],"k2":[[0.5,0],[0,0.5]],"stride":2,"divisor":1}"#
        let fromEnvironment = try ConfigLoader.load(
            commandLine: [], environment: ["ZSN2N_DECLARE": json, "ZSN2N_SAMPLER": "mine"], configFile: nil)
        #expect(fromEnvironment.declaredSamplers.map(\.name) == ["mine"])
        let fromCommandLine = try ConfigLoader.load(
            commandLine: ["--declare", "[\(json)]", "--sampler", "mine"], environment: [:], configFile: path)
        #expect(fromCommandLine.declaredSamplers.map(\.name) == ["mine"])  // the command line replaces the file's list
        #expect(fromCommandLine.sampler == "mine")
    }

    @Test func everyKeyHasAnOptionAndAVariable() {
        for key in DaemonConfigKey.all {
            #expect(key.option == "--" + key.name.replacingOccurrences(of: "_", with: "-"))
            #expect(key.environmentVariable == "ZSN2N_" + key.name.uppercased())
        }
    }

    @Test func shippedConfigFileIsValidAndListsEveryKey() throws {
        let path = SchemaValidator.repository.appendingPathComponent("etc/zsn2nd.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in DaemonConfigKey.all { #expect(text.contains("\(key.name):"), "etc/zsn2nd.yaml lacks \(key.name)") }
        let config = try ConfigLoader.load(commandLine: [], environment: [:], configFile: path)
        #expect(config.inbox == "/var/lib/zsn2n/inbox")
    }

    @Test(arguments: [
        ("inbox: a\nsettle_secnds: 2\n", "settle_secnds", "unknown key"),
        ("concurrency: two\n", "concurrency", "expected an integer"),
        ("after: archive\n", "after", "must be one of move, keep, delete"),
        ("jpeg_quality: 101\n", "jpeg_quality", "between 1 and 100"),
        ("inbox: same\noutbox: same\n", "outbox", "same folder as inbox"),
        ("log_level: loud\n", "log_level", "must be one of"),
        ("sampler: blurry\n", "sampler", "unknown sampler"),
        ("preset: turbo\n", "preset", "unknown preset"),
        ("- a\n- b\n", "", "must be a mapping"),
        ("declare:\n  - {name: original, k1: [[1]], k2: [[1]], stride: 1, divisor: 1}\n", "declare", "would hide the built-in"),
        ("declare:\n  - {name: wide, k1: [[1, 0]], k2: [[1]], stride: 1, divisor: 1}\n", "declare", "must be a square"),
        ("declare:\n  - {name: zero, k1: [[1]], k2: [[1]], stride: 1, divisor: 0}\n", "declare", "divisor must be a non-zero"),
        ("declare: [{name: halfway}]\n", "declare", "expected a list of {name, k1, k2, stride, divisor}"),
        ("declare:\n  - {name: twin, k1: [[1]], k2: [[1]], stride: 1, divisor: 1}\n  - {name: twin, k1: [[1]], k2: [[1]], stride: 1, divisor: 1}\n",
         "declare", "declared twice"),
        ("sampler: mine\n", "sampler", "yours go under declare"),
    ])
    func badFileIsRefusedNamingTheKey(yaml: String, key: String, reason: String) throws {
        let error = refusal(configFile: try file(yaml))
        #expect(error?.key == key)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
        if !key.isEmpty { #expect(error?.description.contains("'\(key)'") == true) }
    }

    @Test func badEnvironmentAndCommandLineAreRefusedNamingTheSource() {
        let env = refusal(environment: ["ZSN2N_ITERATIONS": "many"])
        #expect(env?.source == "ZSN2N_ITERATIONS")
        let unknown = refusal(environment: ["ZSN2N_INBOXX": "/x"])
        #expect(unknown?.key == "inboxx")
        let cli = refusal(commandLine: ["--threds", "2"])
        #expect(cli?.key == "threds")
        let type = refusal(commandLine: ["--settle-seconds", "soon"])
        #expect(type?.source == "--settle-seconds")
    }

    @Test func aValueWithCommasArrivesWhole() throws {
        let cli = try ConfigLoader.load(commandLine: ["--inbox", "/data/a,b"], environment: [:], configFile: nil)
        #expect(cli.inbox == "/data/a,b")
        let env = try ConfigLoader.load(commandLine: [], environment: ["ZSN2N_INBOX": "/data/c,d"], configFile: nil)
        #expect(env.inbox == "/data/c,d")
    }

    @Test func inboxRules() {
        for name in ["a.png", "B.PNG", "c.jpg", "d.JPEG", "e.f.jpeg", "scan.tif", "Stack.TIFF"] { #expect(InboxRules.isCandidate(name), "\(name)") }
        for name in [".a.png", "a.png.part", "a.png.tmp", "a.png.crdownload", "a.png~", "notes.txt", "png", ".png", "a.gif"] {
            #expect(!InboxRules.isCandidate(name), "\(name)")
        }
    }
}
