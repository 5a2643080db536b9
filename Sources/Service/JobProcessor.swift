import Foundation
import Logging
import Pipeline
import Platform
import SystemPackage

/// One file, start to finish: check it, recognise work already committed, run the pipeline, commit
/// the output and sidecar, then move (keep, delete) the original; or move it to failed/ with the
/// reason. Never throws: whatever happens to one file is logged and the daemon goes on.
struct JobProcessor {
    let config: DaemonConfig
    let ledger: Ledger
    let logger: Logger
    let notifier: Notifier
    /// Requested once the daemon is stopping: the running job is cancelled at its next iteration.
    let cancellation: Cancellation
    let metrics: DaemonMetrics

    /// `deferred`: the folders' storage refused a write (a full disk, a read-only outbox): the
    /// input stays in the inbox and is tried again after `retry_seconds`.
    enum Result: Equatable { case done, failed, skipped, cancelled, changed, gone, deferred }

    private var outbox: Outbox { Outbox(config: config) }

    func process(_ name: String) -> Result {
        let path = FileSystem.join(config.inbox, name)
        let started = Date()
        let identity: FileIdentity
        do {
            guard let id = try FileSystem.identity(of: path), !id.isDirectory else { return .gone }
            identity = id
        } catch {
            return fail(name, stage: "open", reason: "\(error)", started: started)
        }
        if identity.isSymlink {
            return fail(name, stage: "open", reason: Self.symlinkReason, started: started)
        }
        guard identity.isRegular else {
            return fail(name, stage: "open", reason: "is not a regular file", started: started)
        }
        // The settler hands on an empty file only once it stayed empty for the whole timeout.
        if identity.size == 0 {
            return fail(name, stage: "open", reason: "empty file (0 bytes) that stayed empty for \(Self.seconds(config.emptyTimeoutSeconds)) (empty_timeout_seconds)",
                        started: started)
        }

        // The job reads the file through this descriptor, never by name again: a name replaced by
        // a symlink after this check is not followed, and the bytes hashed are the bytes decoded.
        let input: InputFile
        do {
            input = try InputFile(opening: path, followingSymlink: false)
        } catch let error as PipelineError {
            switch error.errno {
            case .noSuchFileOrDirectory?: return .gone
            case .tooManySymbolicLinkLevels?: return fail(name, stage: "open", reason: Self.symlinkReason, started: started)
            default: return fail(name, stage: "open", reason: error.reason, started: started)
            }
        } catch {
            return fail(name, stage: "open", reason: "\(error)", started: started)
        }
        guard input.identity.sameContent(as: identity) else { return .changed }
        let sha256 = input.digest

        if let entry = ledger.committedEntry(input: name, sha256: sha256) {
            if config.after == .keep {
                logger.debug("\(name) was already denoised (as \(entry.output)); kept in the inbox",
                             metadata: ["event": "skipped", "file": "\(name)"])
                return .skipped
            }
            if entry.matches(identity) {
                // Killed after the sidecar was committed and before the original left the inbox.
                logger.notice("\(name) was committed as \(entry.output) before a restart; finishing",
                              metadata: ["event": "recovered", "file": "\(name)", "output": "\(entry.output)"])
                return dispose(name, output: entry.output) ? .done : .failed
            }
        }

        logger.info("started \(name) with \(config.method)", metadata: config.denoiserFields.merging([
            "event": "started", "file": "\(name)", "sha256": "\(sha256)",
        ]) { $1 })
        metrics.started(name)
        notifier.status(status(name, 0))
        let result: DenoisedImage
        do {
            result = try DenoisePipeline.run(input, reference: referencePath(name), options: config.job,
                                             cancellation: cancellation) { progress in
                metrics.progress(name, progress.fraction)
                notifier.status(status(name, progress.fraction))
            }
        } catch is Cancellation.Cancelled {
            logger.info("cancelled \(name); it stays in the inbox", metadata: ["event": "cancelled", "file": "\(name)"])
            return .cancelled
        } catch let error as PipelineError {
            // About the input itself, the report names it already; about the reference, say which.
            return fail(name, stage: error.stage.rawValue, reason: error.file == path ? error.reason : error.description,
                        started: started)
        } catch {
            return fail(name, stage: "denoise", reason: "\(error)", started: started)
        }

        // The input must still be the file we hashed; one replaced meanwhile is taken again.
        guard let now = try? FileSystem.identity(of: path), now.sameContent(as: identity) else {
            logger.warning("\(name) changed while it was processed; it will be taken again",
                           metadata: ["event": "changed", "file": "\(name)"])
            return .changed
        }

        let output: String
        do {
            func entry(_ state: String, _ output: String) -> Ledger.Entry {
                Ledger.Entry(state: state, input: name, sha256: sha256, device: identity.device, inode: identity.inode,
                             size: identity.size, mtimeNs: identity.mtimeNanoseconds, output: output,
                             time: Self.timestamp())
            }
            output = try outbox.commit(input: name, result: result) { try ledger.append(entry("intent", $0)) }
            try ledger.append(entry("committed", output))
        } catch let failure as JobFailure {
            if JobFailure.isStorage(failure.errno) { return deferred(name, failure.reason) }
            return fail(name, stage: failure.stage, reason: failure.reason, started: started)
        } catch let error as SystemError where JobFailure.isStorage(error.errno) {
            return deferred(name, "\(error)")
        } catch {
            return fail(name, stage: "commit", reason: "\(error)", started: started)
        }

        let seconds = Date().timeIntervalSince(started)
        var metadata = config.denoiserFields.merging([
            "event": "done", "message_id": "\(Journal.doneMessageID)", "file": "\(name)", "output": "\(output)",
            "sidecar": "\(output).json", "seconds": "\(String(format: "%.3f", seconds))", "sha256": "\(sha256)",
            "loops_on_dispatch": "\(result.loopsOnDispatch)",
        ]) { $1 }
        for (key, value) in result.sidecar(outputFile: output).journalFields { metadata[key] = "\(value)" }
        guard dispose(name, output: output) else { return .failed }
        metrics.succeeded(name, seconds: seconds, pixels: result.image.width * result.image.height)
        logger.info("done \(name) -> \(output) in \(String(format: "%.1f", seconds)) s", metadata: metadata)
        return .done
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// The outbox (or failed/) could not be written: nothing is lost, the input waits in the inbox.
    private func deferred(_ name: String, _ reason: String) -> Result {
        logger.warning("\(name) could not be written out (\(reason)); it stays in the inbox and is tried again in \(Self.seconds(config.retrySeconds))",
                       metadata: ["event": "deferred", "file": "\(name)", "reason": "\(reason)"])
        return .deferred
    }

    static let symlinkReason = "is a symbolic link; links are never followed out of the inbox"

    /// The original's fate after success. A failure here leaves it in the inbox, where the ledger
    /// keeps it from being denoised again and the next start finishes the move.
    private func dispose(_ name: String, output: String) -> Bool {
        do {
            switch config.after {
            case .keep: return true
            case .move: _ = try outbox.moveToDone(input: name, preferred: output)
            case .delete:
                try FileSystem.remove(FileSystem.join(config.inbox, name))
                try FileSystem.sync(directory: config.inbox)
            }
            ledger.forget(input: name)
            return true
        } catch {
            logger.error("\(name) was denoised as \(output) but could not leave the inbox: \(error)",
                         metadata: ["event": "failed", "stage": "dispose", "file": "\(name)", "reason": "\(error)",
                                    "message_id": "\(Journal.failedMessageID)"])
            metrics.failed(name, stage: "dispose", seconds: 0)
            return false
        }
    }

    private func referencePath(_ name: String) -> String? {
        guard let folder = config.reference else { return nil }
        let path = FileSystem.join(folder, name)
        guard let id = try? FileSystem.identity(of: path), id.isRegular else { return nil }
        return path
    }

    /// An inbox entry whose name is not UTF-8: it cannot be opened by a Swift string, nor named in
    /// a sidecar, so it is refused into failed/ under its escaped name (bytes as %XX).
    func refuseUndecodable(_ entry: FileName) -> Result {
        fail(entry, as: entry.escaped, stage: "open",
             reason: "the file name is not valid UTF-8 (shown here with those bytes as %XX); rename it and drop it again",
             started: Date())
    }

    private func fail(_ name: String, stage: String, reason: String, started: Date) -> Result {
        fail(FileName(name), as: name, stage: stage, reason: reason, started: started)
    }

    private func fail(_ entry: FileName, as name: String, stage: String, reason: String, started: Date) -> Result {
        let seconds = Date().timeIntervalSince(started)
        do {
            let failedAs = try outbox.moveToFailed(entry, as: name) { failedAs in
                try ErrorDocument(file: name, failedAs: failedAs, stage: stage, reason: reason,
                                  time: Self.timestamp()).jsonData()
            }
            logger.error("failed \(name) (\(stage)): \(reason)", metadata: [
                "event": "failed", "message_id": "\(Journal.failedMessageID)", "file": "\(name)",
                "failed_as": "\(failedAs)", "stage": "\(stage)", "reason": "\(reason)",
                "seconds": "\(String(format: "%.3f", seconds))",
            ])
            metrics.failed(name, stage: stage, seconds: seconds)
        } catch let error as SystemError where error.errno == .noSuchFileOrDirectory {
            return .gone  // removed by someone else meanwhile: nothing to keep
        } catch {
            logger.critical("failed \(name) (\(stage)): \(reason); and it could not be moved to failed/ (\(error)): it stays in the inbox and is tried again in \(Self.seconds(config.retrySeconds))",
                            metadata: ["event": "failed", "message_id": "\(Journal.failedMessageID)", "file": "\(name)",
                                       "stage": "\(stage)", "reason": "\(reason)"])
            return .deferred
        }
        return .failed
    }

    /// STATUS= while a job runs: the file, the method, the progress, and the images waiting.
    private func status(_ name: String, _ fraction: Double) -> String {
        let waiting = metrics.waitingCount
        return "Denoising \(name) with \(config.method): \(Int(fraction * 100))%" + (waiting > 0 ? ", \(waiting) waiting" : "")
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
