import Foundation
import Logging

/// What happens to an original once its output and sidecar are committed.
public enum AfterSuccess: String, Sendable, CaseIterable {
    case move, keep, delete
}

/// The daemon's settings, fully resolved: folders are absolute, every value checked.
public struct DaemonConfig: Sendable, Equatable {
    public var inbox: String
    public var outbox: String
    public var done: String
    public var failed: String
    public var reference: String?
    public var after: AfterSuccess
    public var sampler: String
    /// Kernel pairs declared in the configuration, usable as `sampler` by name.
    public var declaredSamplers: [DeclaredSampler]
    public var preset: String
    /// nil: the preset decides.
    public var iterations: Int?
    public var seed: UInt64
    /// Threads per job (already divided among concurrent jobs).
    public var threadsPerJob: Int
    public var concurrency: Int
    public var settleSeconds: Double
    public var maxPixels: Int
    public var jpegQuality: Int
    public var logLevel: Logger.Level
    /// The file the settings came from, if any (reloaded on SIGHUP).
    public var configFile: String?
}

extension DaemonConfig {
    /// The resolved settings as `key: value` lines, in the config file's syntax (`--check-config`).
    public var summary: String {
        [
            "inbox: \(inbox)", "outbox: \(outbox)", "done: \(done)", "failed: \(failed)",
            "reference: \(reference ?? "\"\"")", "after: \(after.rawValue)", "sampler: \(sampler)",
            "declare: \(declaredSamplers.isEmpty ? "" : (try? JSONEncoder().encode(declaredSamplers)).map { String(decoding: $0, as: UTF8.self) } ?? "")",
            "preset: \(preset)", "iterations: \(iterations ?? 0)", "seed: \(seed)", "threads: \(threadsPerJob)",
            "concurrency: \(concurrency)", "settle_seconds: \(settleSeconds)", "max_pixels: \(maxPixels)",
            "jpeg_quality: \(jpegQuality)", "log_level: \(logLevel.rawValue)",
        ].joined(separator: "\n")
    }
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
