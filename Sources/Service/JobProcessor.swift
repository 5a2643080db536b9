import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// One file, start to finish: check it, recognise work already committed, run the denoiser, commit
/// the output and sidecar, then move (keep, delete) the original; or move it to failed/ with the
/// reason. Never throws: whatever happens to one file is logged and the daemon goes on.
struct JobProcessor {
    let config: DaemonConfig
    let runner: any JobRunner
    let ledger: Ledger
    let logger: Logger
    let notifier: Notifier
    /// True once the daemon is stopping: the running job is cancelled at its next iteration.
    let shouldStop: @Sendable () -> Bool

    enum Result: Equatable { case done, failed, skipped, cancelled, changed, gone }

    private var outbox: Outbox { Outbox(config: config) }

    func process(_ name: String) -> Result {
        let path = POSIX.join(config.inbox, name)
        let started = Date()
        let identity: FileIdentity
        do {
            guard let id = try POSIX.lstatIdentity(path), !id.isDirectory else { return .gone }
            identity = id
        } catch {
            return fail(name, stage: "open", reason: "\(error)", started: started)
        }
        if identity.isSymlink {
            return fail(name, stage: "open", reason: "is a symbolic link; links are never followed out of the inbox",
                        started: started)
        }
        guard identity.isRegular else {
            return fail(name, stage: "open", reason: "is not a regular file", started: started)
        }

        // The job reads the file through this descriptor (/proc/self/fd/N), never by name again:
        // a name replaced by a symlink after this check is not followed.
        let fd: Int32
        let sha256: String
        do {
            fd = try POSIX.openForReadingNoFollow(path)
        } catch let error as SystemError where error.code == ENOENT {
            return .gone
        } catch let error as SystemError where error.code == ELOOP {
            return fail(name, stage: "open", reason: "is a symbolic link; links are never followed out of the inbox",
                        started: started)
        } catch {
            return fail(name, stage: "open", reason: "\(error)", started: started)
        }
        defer { close(fd) }
        do {
            guard try POSIX.fstatIdentity(fd, path).sameContent(as: identity) else { return .changed }
            sha256 = try SHA256.hex(ofDescriptor: fd, path: path)
        } catch {
            return fail(name, stage: "open", reason: "\(error)", started: started)
        }

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

        let request = JobRequest(input: "/proc/self/fd/\(fd)", name: name, reference: referencePath(name),
                                 outputName: outbox.freeOutputName(for: name).name, config: config)
        logger.info("started \(name)", metadata: [
            "event": "started", "file": "\(name)", "sampler": "\(config.sampler)", "preset": "\(config.preset)",
            "sha256": "\(sha256)",
        ])
        notifier.status("Denoising \(name): 0%")
        let outcome: JobOutcome
        do {
            outcome = try runner.run(request) { progress in
                notifier.status("Denoising \(name): \(Int(progress.fraction * 100))%")
                return !shouldStop()
            }
        } catch is JobCancelled {
            logger.info("cancelled \(name); it stays in the inbox", metadata: ["event": "cancelled", "file": "\(name)"])
            return .cancelled
        } catch let failure as JobFailure {
            return fail(name, stage: failure.stage, reason: failure.reason, started: started)
        } catch {
            return fail(name, stage: "denoise", reason: "\(error)", started: started)
        }

        // The input must still be the file we hashed; one replaced meanwhile is taken again.
        guard let now = try? POSIX.lstatIdentity(path), now.sameContent(as: identity) else {
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
            output = try outbox.commit(input: name, outcome: outcome) { try ledger.append(entry("intent", $0)) }
            try ledger.append(entry("committed", output))
        } catch let failure as JobFailure {
            return fail(name, stage: failure.stage, reason: failure.reason, started: started)
        } catch {
            return fail(name, stage: "commit", reason: "\(error)", started: started)
        }

        let seconds = Date().timeIntervalSince(started)
        var metadata: Logger.Metadata = [
            "event": "done", "message_id": "\(Journal.doneMessageID)", "file": "\(name)", "output": "\(output)",
            "sidecar": "\(output).json", "sampler": "\(config.sampler)", "preset": "\(config.preset)",
            "seconds": "\(String(format: "%.3f", seconds))", "sha256": "\(sha256)",
        ]
        for (key, value) in outcome.journalFields { metadata[key.lowercased()] = "\(value)" }
        guard dispose(name, output: output) else { return .failed }
        logger.info("done \(name) -> \(output) in \(String(format: "%.1f", seconds)) s", metadata: metadata)
        return .done
    }

    /// The original's fate after success. A failure here leaves it in the inbox, where the ledger
    /// keeps it from being denoised again and the next start finishes the move.
    private func dispose(_ name: String, output: String) -> Bool {
        do {
            switch config.after {
            case .keep: return true
            case .move: _ = try outbox.moveToDone(input: name, preferred: output)
            case .delete:
                try POSIX.removeFile(POSIX.join(config.inbox, name))
                try POSIX.fsyncDirectory(config.inbox)
            }
            ledger.forget(input: name)
            return true
        } catch {
            logger.error("\(name) was denoised as \(output) but could not leave the inbox: \(error)",
                         metadata: ["event": "failed", "stage": "dispose", "file": "\(name)", "reason": "\(error)",
                                    "message_id": "\(Journal.failedMessageID)"])
            return false
        }
    }

    private func referencePath(_ name: String) -> String? {
        guard let folder = config.reference else { return nil }
        let path = POSIX.join(folder, name)
        guard let id = try? POSIX.lstatIdentity(path), id.isRegular else { return nil }
        return path
    }

    private func fail(_ name: String, stage: String, reason: String, started: Date) -> Result {
        let seconds = Date().timeIntervalSince(started)
        do {
            let failedAs = try outbox.moveToFailed(input: name) { failedAs in
                try ErrorDocument(file: name, failedAs: failedAs, stage: stage, reason: reason,
                                  time: Self.timestamp()).jsonData()
            }
            logger.error("failed \(name) (\(stage)): \(reason)", metadata: [
                "event": "failed", "message_id": "\(Journal.failedMessageID)", "file": "\(name)",
                "failed_as": "\(failedAs)", "stage": "\(stage)", "reason": "\(reason)",
                "seconds": "\(String(format: "%.3f", seconds))",
            ])
        } catch let error as SystemError where error.code == ENOENT {
            return .gone  // removed by someone else meanwhile: nothing to keep
        } catch {
            logger.critical("failed \(name) (\(stage)): \(reason); and it could not be moved to failed/: \(error)",
                            metadata: ["event": "failed", "message_id": "\(Journal.failedMessageID)", "file": "\(name)",
                                       "stage": "\(stage)", "reason": "\(reason)"])
        }
        return .failed
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

/// failed/NAME.error.json: why an input was refused (schema/zsn2n.error-1.schema.json).
struct ErrorDocument: Codable {
    var schema = "zsn2n.error/1"
    var file: String
    var failedAs: String
    var stage: String
    var reason: String
    var time: String

    enum CodingKeys: String, CodingKey {
        case schema, file, stage, reason, time
        case failedAs = "failed_as"
    }

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
