/// Every configuration key the daemon understands: the one table that the loader validates against,
/// that `zsn2nd --help` prints, and that README.md ("Configuration") and etc/zsn2nd.yaml mirror.
/// A key `settle_seconds` is `settle_seconds:` in the file, `--settle-seconds` on the command line and
/// `ZSN2N_SETTLE_SECONDS` in the environment; the command line beats the environment, which beats the
/// file, which beats the default.
public struct DaemonConfigKey: Sendable {
    public enum Kind: Sendable { case string, int, double }
    public var name: String
    public var kind: Kind
    public var defaultText: String
    public var help: String

    public var option: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    public var environmentVariable: String { "ZSN2N_" + name.uppercased() }

    public static let all: [DaemonConfigKey] = [
        .init(name: "inbox", kind: .string, defaultText: "./inbox", help: "folder watched for new images"),
        .init(name: "outbox", kind: .string, defaultText: "./outbox", help: "where NAME and NAME.json (the sidecar) are committed"),
        .init(name: "done", kind: .string, defaultText: "./done", help: "where an original goes after success (after: move)"),
        .init(name: "failed", kind: .string, defaultText: "./failed", help: "where a failed original goes, with NAME.error.json"),
        .init(name: "reference", kind: .string, defaultText: "(none)", help: "folder of clean images: one of the same name adds PSNR/SSIM to the sidecar"),
        .init(name: "after", kind: .string, defaultText: "move", help: "what happens to an original after success: move | keep | delete"),
        .init(name: "method", kind: .string, defaultText: "pixel-bank", help: "denoising method: pixel-bank | zs-n2n"),
        .init(name: "sampler", kind: .string, defaultText: "original", help: "downsampler pair used for training (zsn2n samplers lists them)"),
        .init(name: "declare", kind: .string, defaultText: "(none)", help: "your own kernel pairs, usable as sampler by name: a list of {name, k1, k2, stride, divisor} (JSON on the command line and in the environment)"),
        .init(name: "preset", kind: .string, defaultText: "balanced", help: "training recipe: paper | balanced | fast"),
        .init(name: "iterations", kind: .int, defaultText: "0", help: "training iterations; 0 keeps the preset's"),
        .init(name: "seed", kind: .int, defaultText: "0", help: "random seed (weights, crops, random samplers)"),
        .init(name: "threads", kind: .int, defaultText: "0", help: "threads per job; 0 = all cores shared among concurrent jobs"),
        .init(name: "concurrency", kind: .int, defaultText: "1", help: "images processed at once"),
        .init(name: "settle_seconds", kind: .double, defaultText: "2", help: "a file must stay unchanged this long before it is taken"),
        .init(name: "retry_seconds", kind: .double, defaultText: "60", help: "a job the disk refused (full, read-only) is tried again after this"),
        .init(name: "empty_timeout_seconds", kind: .double, defaultText: "60", help: "an empty file that stays empty this long is refused into failed/"),
        .init(name: "max_pixels", kind: .int, defaultText: "100000000", help: "larger images are refused (checked from the header)"),
        .init(name: "jpeg_quality", kind: .int, defaultText: "95", help: "quality of JPEG outputs, 1-100"),
        .init(name: "log_level", kind: .string, defaultText: "info", help: "trace | debug | info | notice | warning | error | critical"),
    ]

    public static func named(_ name: String) -> DaemonConfigKey? { all.first { $0.name == name } }

    /// The key table as `--help` shows it.
    public static var helpText: String {
        var lines = ["Configuration keys (file key / --option / environment variable, default):"]
        for key in all {
            lines.append("  \(key.name) / \(key.option) / \(key.environmentVariable) (default \(key.defaultText))")
            lines.append("      \(key.help)")
        }
        lines.append("Precedence: command line > environment > config file > default.")
        return lines.joined(separator: "\n")
    }
}
