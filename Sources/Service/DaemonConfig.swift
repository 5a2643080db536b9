import Denoiser
import Foundation
import Logging
import Pipeline
import Platform

/// The daemon's settings, fully resolved: folders are absolute, every value checked. `job` is the
/// one validated settings value every job is handed as it is.
public struct DaemonConfig: Sendable, Equatable {
    public var inbox: String
    public var outbox: String
    public var done: String
    public var failed: String
    public var reference: String?
    /// Where `DaemonMetrics` keeps its file; nil: nowhere.
    public var metricsDir: String?
    public var after: AfterSuccess
    /// The denoising keys (method, sampler, declare, preset, the training overrides, seed, threads
    /// per job, already divided among concurrent jobs, pixel limit, JPEG quality), checked.
    public var job: DenoiseOptions
    public var concurrency: Int
    public var settleSeconds: Double
    /// An empty file that stays empty (same size 0, same mtime) this long is refused into failed/.
    public var emptyTimeoutSeconds: Double
    /// A job the folders' storage refused (a full disk, a read-only outbox) is tried again after this.
    public var retrySeconds: Double
    /// Days the outbox, done/ and failed/ keep an item (`Retention`); nil: for ever.
    public var keepOutboxDays: Double?
    public var keepDoneDays: Double?
    public var keepFailedDays: Double?
    public var logLevel: Logger.Level
    /// The file the settings came from, if any (reloaded on SIGHUP).
    public var configFile: String?

    public var sampler: String { job.sampler.name }
    public var method: String { job.method.name }
    /// What the journal's ready, reloaded, started and done entries say of the denoiser: the
    /// method, its own settings (ZS-N2N's sampler), the preset.
    var denoiserFields: Logger.Metadata {
        var fields: Logger.Metadata = ["method": "\(method)", "preset": "\(preset)"]
        for (key, value) in job.method.settingFields { fields[key] = "\(value)" }
        return fields
    }
    public var preset: String { job.preset.name }
    public var iterations: Int? { job.iterations }
    public var seed: UInt64 { job.seed }
    public var jpegQuality: Int { job.jpegQuality }
    public var declaredSamplers: [DeclaredSampler] { job.declarations }
}

extension DaemonConfig {
    /// The resolved settings as `key: value` lines, in the config file's syntax and the key table's
    /// order (`--check-config`).
    public var summary: String {
        DaemonConfigKey.all.map { "\($0.name): \($0.resolved(self))" }.joined(separator: "\n")
    }
}

/// What happens to an original once its output and sidecar are committed.
public enum AfterSuccess: String, Sendable, CaseIterable {
    case move, keep, delete
}

/// A configuration that cannot be used: names the key, where it came from and what is wrong.
public struct DaemonConfigError: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var source: String
    public var reason: String
    public var description: String {
        key.isEmpty ? "config (\(source)): \(reason)" : "config key '\(key)' (\(source)): \(reason)"
    }
}
