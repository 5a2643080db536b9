import Foundation
import Pipeline
import Platform

/// The daemon's figures for alerting, as a Prometheus text file (`zsn2nd.prom` in `metrics_dir`)
/// for node_exporter's textfile collector: the daemon has no port (`PrivateNetwork=yes`), so the
/// convention of batch daemons applies. The file is rewritten atomically (`StagedFile`) whenever a
/// figure changes, a job's progress at most once a second; a failed write is logged once and tried
/// again at the next change, never failing a job.
final class DaemonMetrics: @unchecked Sendable {
    static let fileName = "zsn2nd.prom"

    private let lock = NSLock()
    private var directory: String?
    private let started = Date()
    private var done = 0
    private var failedByStage: [String: Int] = [:]
    private var waiting = 0
    /// The jobs running, by file, with their progress (0...1).
    private var running: [String: Double] = [:]
    private var lastJobSeconds: Double?
    private var lastSuccess: Date?
    private var pixels = 0
    private var lastProgressWrite = Date.distantPast
    private var writeFailed = false
    private let reportWriteFailure: @Sendable (String) -> Void

    /// - directory: where the file goes; nil writes nothing.
    /// - reportWriteFailure: told (once until a write succeeds again) when the file cannot be written.
    init(directory: String?, reportWriteFailure: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.reportWriteFailure = reportWriteFailure
    }

    var path: String? { directory.map { FileSystem.join($0, DaemonMetrics.fileName) } }

    /// Another folder (a reload), written at once; nil writes no more.
    func move(to directory: String?) { update { $0.directory = directory } }

    /// Images in the queue, not yet started (what STATUS= shows beside the running job).
    var waitingCount: Int { lock.withLock { waiting } }

    func waiting(_ count: Int) {
        recordThen(write: { metrics in
            defer { metrics.waiting = count }
            return metrics.waiting != count
        })
    }
    func started(_ file: String) { update { $0.running[file] = 0 } }

    func progress(_ file: String, _ fraction: Double) {
        let now = Date()
        recordThen(write: { metrics in
            metrics.running[file] = fraction
            guard now.timeIntervalSince(metrics.lastProgressWrite) >= 1 else { return false }
            metrics.lastProgressWrite = now
            return true
        })
    }

    /// A job that ended without an outcome to count (cancelled, changed, gone, deferred, skipped).
    func ended(_ file: String) { update { $0.running[file] = nil } }

    func succeeded(_ file: String, seconds: Double, pixels: Int) {
        update { metrics in
            metrics.running[file] = nil
            metrics.done += 1
            metrics.lastJobSeconds = seconds
            metrics.lastSuccess = Date()
            metrics.pixels += pixels
        }
    }

    func failed(_ file: String, stage: String, seconds: Double) {
        update { metrics in
            metrics.running[file] = nil
            metrics.failedByStage[stage, default: 0] += 1
            metrics.lastJobSeconds = seconds
        }
    }

    /// The file's text, in the Prometheus exposition format (one HELP and TYPE per family).
    var text: String { lock.withLock { render() } }

    private func update(_ change: (DaemonMetrics) -> Void) {
        recordThen(write: { change($0); return true })
    }

    /// Changes the figures under the lock; `change` says whether the file is to be written now.
    private func recordThen(write change: (DaemonMetrics) -> Bool) {
        lock.withLock {
            guard change(self), let path else { return }
            do {
                try StagedFile.writeAtomically(Data(render().utf8), to: path)
                writeFailed = false
            } catch {
                if !writeFailed { reportWriteFailure("\(path): \(error)") }
                writeFailed = true
            }
        }
    }

    private func render() -> String {
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        func number(_ value: Double) -> String { String(format: "%.6f", value) }
        family("zsn2n_build_info", "gauge", "The version of zsn2nd, as a label.", [("{version=\"\(label(zsn2nVersion))\"}", "1")])
        family("zsn2n_start_time_seconds", "gauge", "When the daemon started, in seconds since the epoch.",
               [("", number(started.timeIntervalSince1970))])
        family("zsn2n_jobs_done_total", "counter", "Images denoised and committed since the daemon started.", [("", "\(done)")])
        family("zsn2n_jobs_failed_total", "counter", "Images moved to failed/ since the daemon started, by the stage that failed.",
               failedByStage.keys.sorted().map { ("{stage=\"\(label($0))\"}", "\(failedByStage[$0]!)") })
        family("zsn2n_images_waiting", "gauge", "Images in the queue, not yet started.", [("", "\(waiting)")])
        family("zsn2n_jobs_running", "gauge", "Images being denoised now.", [("", "\(running.count)")])
        family("zsn2n_job_progress_ratio", "gauge", "The training progress of each image being denoised, 0 to 1.",
               running.keys.sorted().map { ("{file=\"\(label($0))\"}", number(running[$0]!)) })
        family("zsn2n_last_job_duration_seconds", "gauge", "How long the last image that ended (done or failed) took.",
               lastJobSeconds.map { [("", number($0))] } ?? [])
        family("zsn2n_last_success_timestamp_seconds", "gauge", "When the last image was committed, in seconds since the epoch.",
               lastSuccess.map { [("", number($0.timeIntervalSince1970))] } ?? [])
        family("zsn2n_pixels_processed_total", "counter", "Pixels (width x height) of the images denoised and committed.",
               [("", "\(pixels)")])
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the exposition format writes it: backslash, quote and line feed escaped.
    private func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
