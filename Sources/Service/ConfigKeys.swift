import Denoiser
import Foundation
import Imaging
import Logging
import Pipeline
import Platform

/// Every configuration key the daemon understands, each with its type, default and allowed values
/// written once, here: the loader reads and checks the three layers against this table,
/// `--check-config` prints it (`DaemonConfig.summary`), `zsn2nd --help` lists it, and ConfigTests
/// hold etc/zsn2nd.yaml and README.md ("Configuration") to it.
/// A key `settle_seconds` is `settle_seconds:` in the file, `--settle-seconds` on the command line and
/// `ZSN2N_SETTLE_SECONDS` in the environment; the command line beats the environment, which beats the
/// file, which beats the default.
public struct DaemonConfigKey: Sendable {
    public enum Kind: Sendable {
        case string, int, double
        /// Kernel pairs (`DeclaredSampler`): a YAML list in the file, the same list as JSON text on
        /// the command line and in the environment.
        case declarations
    }

    /// What a value must be beyond its kind; the loader refuses anything else, naming the key and
    /// where the value came from.
    public enum Allowed: Sendable, Equatable {
        /// A folder, not empty; a relative one is taken from the working directory.
        case folder
        /// A number from the first to the second, both included.
        case range(Double, Double)
        case notNegative
        /// One of these words; `quoted`: the refusal quotes the word given.
        case oneOf([String], quoted: Bool)
        /// A denoising setting: `DenoiseOptions(validating:)` checks it, as it checks the CLI's
        /// options, and its refusal names the key.
        case denoising
    }

    public let name: String
    public let kind: Kind
    /// The value when no layer gives one, written as the file would write it; nil: none (then an
    /// empty value means none as well).
    public let defaultValue: String?
    public let allowed: Allowed
    public let help: String
    /// The resolved value as `--check-config` prints it, in the file's syntax.
    let resolved: @Sendable (DaemonConfig) -> String

    public var option: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    public var environmentVariable: String { "ZSN2N_" + name.uppercased() }

    init(_ name: String, _ kind: Kind, default defaultValue: String?, _ allowed: Allowed, _ help: String,
         resolved: @escaping @Sendable (DaemonConfig) -> String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.help = help
        self.resolved = resolved
    }

    private static let job = DenoiseSettings()
    private static func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "" }

    public static let all: [DaemonConfigKey] = [
        .init("inbox", .string, default: "./inbox", .folder, "folder watched for new images") { $0.inbox },
        .init("outbox", .string, default: "./outbox", .folder, "where NAME and NAME.json (the sidecar) are committed") { $0.outbox },
        .init("done", .string, default: "./done", .folder, "where an original goes after success (after: move)") { $0.done },
        .init("failed", .string, default: "./failed", .folder, "where a failed original goes, with NAME.error.json") { $0.failed },
        .init("reference", .string, default: nil, .folder,
              "folder of clean images: one of the same name adds PSNR/SSIM to the sidecar") { $0.reference ?? "\"\"" },
        .init("metrics_dir", .string, default: nil, .folder,
              "folder where the daemon keeps zsn2nd.prom, its figures in Prometheus' text format (node_exporter's textfile collector); none keeps none") {
            $0.metricsDir ?? "\"\""
        },
        .init("after", .string, default: AfterSuccess.move.rawValue, .oneOf(AfterSuccess.allCases.map(\.rawValue), quoted: true),
              "what happens to an original after success") { $0.after.rawValue },
        .init("method", .string, default: job.method, .denoising,
              "denoising method: " + ([DenoisingMethods.standard.name] + DenoisingMethods.all.map { $0.name }
                .filter { $0 != DenoisingMethods.standard.name }).joined(separator: " | ")) { $0.method },
        .init("sampler", .string, default: job.sampler, .denoising,
              "downsampler pair used for training by zs-n2n (zsn2n samplers lists them)") { $0.sampler },
        .init("declare", .declarations, default: nil, .denoising,
              "your own kernel pairs, usable as sampler by name: a list of {name, k1, k2, stride, divisor} (JSON on the command line and in the environment)") { config in
            config.declaredSamplers.isEmpty ? "" : (try? JSONFormat.line(config.declaredSamplers)) ?? ""
        },
        .init("preset", .string, default: job.preset, .denoising,
              "training recipe: " + Preset.all.map(\.name).joined(separator: " | ")) { $0.preset },
        .init("iterations", .int, default: "0", .denoising, "training iterations; 0 keeps the preset's") { "\($0.iterations ?? 0)" },
        .init("crop", .int, default: nil, .denoising,
              "side of the random crops trained on, at least 4; none keeps the preset's") { text($0.job.settings.crop) },
        .init("batch", .int, default: nil, .denoising, "crops per iteration; none keeps the preset's") { text($0.job.settings.batch) },
        .init("learning_rate", .double, default: nil, .denoising,
              "Adam's learning rate; none keeps the preset's") { text($0.job.settings.learningRate) },
        .init("bank_stride", .int, default: nil, .denoising,
              "the pixel-bank method's candidate stride, 1 to 8; none measures it on each image") { text($0.job.settings.bankStride) },
        .init("strength", .double, default: "\(job.strength)", .denoising,
              "how much of the denoising to apply, 0 to 1: strength x denoised + (1 - strength) x input") { "\($0.job.settings.strength)" },
        .init("seed", .int, default: "\(job.seed)", .notNegative, "random seed (weights, crops, random samplers)") { "\($0.seed)" },
        .init("threads", .int, default: "\(job.threads)", .denoising,
              "threads per job; 0 = all cores shared among concurrent jobs") { "\($0.job.threads)" },
        .init("concurrency", .int, default: "\(job.concurrency)", .range(1, 64), "images processed at once") { "\($0.concurrency)" },
        .init("settle_seconds", .double, default: "2", .range(0, 3600),
              "a file must stay unchanged this long before it is taken") { "\($0.settleSeconds)" },
        .init("empty_timeout_seconds", .double, default: "60", .range(0, 86400),
              "an empty file that stays empty this long is refused into failed/") { "\($0.emptyTimeoutSeconds)" },
        .init("retry_seconds", .double, default: "60", .range(0.1, 86400),
              "a job the disk refused (full, read-only) is tried again after this") { "\($0.retrySeconds)" },
        .init("keep_outbox_days", .double, default: nil, .range(0, 36500),
              "outputs and their sidecars older than this many days are removed from the outbox; none keeps them") {
            text($0.keepOutboxDays)
        },
        .init("keep_done_days", .double, default: nil, .range(0, 36500),
              "originals older than this many days are removed from done/; none keeps them") { text($0.keepDoneDays) },
        .init("keep_failed_days", .double, default: nil, .range(0, 36500),
              "failed originals and their error documents older than this many days are removed from failed/; none keeps them") {
            text($0.keepFailedDays)
        },
        .init("max_pixels", .int, default: "\(job.maxPixels)", .denoising,
              "larger images are refused (checked from the header)") { "\($0.job.maxPixels)" },
        .init("jpeg_quality", .int, default: "\(job.jpegQuality)", .denoising, "quality of JPEG outputs, 1-100") { "\($0.jpegQuality)" },
        .init("log_level", .string, default: Logger.Level.info.rawValue,
              .oneOf(Logger.Level.allCases.map(\.rawValue), quoted: false), "journal verbosity") { $0.logLevel.rawValue },
    ]

    public static func named(_ name: String) -> DaemonConfigKey? { all.first { $0.name == name } }

    /// Why `value` (a number for a numeric kind, else text) is not allowed, or nil when it is.
    func refusal(_ value: String, number: Double?) -> String? {
        switch allowed {
        case .folder:
            return value.isEmpty ? "must name a folder" : nil
        case .range(let low, let high):
            guard let number, number >= low, number <= high else {
                return "must be between \(Self.shortest(low)) and \(Self.shortest(high))"
            }
            return nil
        case .notNegative:
            return (number ?? -1) >= 0 ? nil : "must not be negative"
        case .oneOf(let words, let quoted):
            guard !words.contains(value) else { return nil }
            return "must be one of \(words.joined(separator: ", "))" + (quoted ? " (got '\(value)')" : "")
        case .denoising:
            return nil
        }
    }

    /// 64 as "64", 0.1 as "0.1".
    private static func shortest(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }

    /// Its type and allowed values, for `--help`: "integer, 1 to 64".
    var typeText: String {
        switch allowed {
        case .folder: return "folder"
        case .range(let low, let high): return "\(kindText), \(Self.shortest(low)) to \(Self.shortest(high))"
        case .notNegative: return "\(kindText), 0 or more"
        case .oneOf(let words, _): return words.joined(separator: " | ")
        case .denoising: return kindText
        }
    }

    private var kindText: String {
        switch kind {
        case .string: return "text"
        case .int: return "integer"
        case .double: return "number"
        case .declarations: return "list of kernel pairs"
        }
    }

    /// The default as the README and `--help` write it.
    public var defaultText: String { defaultValue ?? "none" }

    /// The key table as `--help` shows it.
    public static var helpText: String {
        var lines = ["Configuration keys (file key / --option / environment variable: type, default):"]
        for key in all {
            lines.append("  \(key.name) / \(key.option) / \(key.environmentVariable): \(key.typeText), default \(key.defaultText)")
            lines.append("      \(key.help)")
        }
        lines.append("Precedence: command line > environment > config file > default.")
        return lines.joined(separator: "\n")
    }
}
