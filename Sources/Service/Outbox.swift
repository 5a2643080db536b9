import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The folder protocol: how a finished job becomes files with final names, and how an input leaves
/// the inbox. Every file is written under a hidden temporary name, fsynced, then renamed without
/// replacing anything; the sidecar is renamed last, so a sidecar under a final name means the job is
/// complete and its output is whole.
struct Outbox {
    /// Temporary files start with this; whatever carries it at start is a leftover of a kill.
    static let temporaryPrefix = ".zsn2nd-tmp-"

    let config: DaemonConfig

    /// `photo.png`, `photo-1.png`, `photo-2.png`, ...: the suffix goes before the extension.
    static func numbered(_ name: String, _ n: Int) -> String {
        guard n > 0 else { return name }
        let ns = name as NSString
        let ext = ns.pathExtension
        let stem = ns.deletingPathExtension
        return ext.isEmpty ? "\(name)-\(n)" : "\(stem)-\(n).\(ext)"
    }

    private static let counter = Counter()
    private func temporaryName(_ name: String) -> String {
        "\(Outbox.temporaryPrefix)\(getpid())-\(Outbox.counter.next())-\(name)"
    }

    /// Removes the leftovers of an earlier run that was killed mid-write.
    func removeStaleTemporaries() -> [String] {
        var removed: [String] = []
        for folder in [config.outbox, config.done, config.failed] {
            for name in (try? POSIX.listDirectory(folder)) ?? [] where name.hasPrefix(Outbox.temporaryPrefix) {
                let path = POSIX.join(folder, name)
                if (try? POSIX.removeFile(path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// The smallest suffix whose output, sidecar and (when the original will be moved) done/ name
    /// are all free, so that one job's three files share one name.
    func freeOutputName(for input: String, from start: Int = 0) -> (name: String, n: Int) {
        var n = start
        while true {
            let candidate = Outbox.numbered(input, n)
            let taken = POSIX.exists(POSIX.join(config.outbox, candidate))
                || POSIX.exists(POSIX.join(config.outbox, candidate + ".json"))
                || (config.after == .move && POSIX.exists(POSIX.join(config.done, candidate)))
            if !taken { return (candidate, n) }
            n += 1
        }
    }

    /// Writes output and sidecar and renames them into place; returns the output's final name.
    /// `beforeRename` runs once the final name is chosen and before anything carries it (the ledger's
    /// intent line): after a kill between the two renames, the next start finds the intent, sees the
    /// output without its sidecar and removes it, so the redone job does not leave a duplicate.
    func commit(input: String, outcome: JobOutcome, beforeRename: (String) throws -> Void) throws -> String {
        let outputTemp = POSIX.join(config.outbox, temporaryName(input))
        let sidecarTemp = POSIX.join(config.outbox, temporaryName(input + ".json"))
        defer {
            try? POSIX.removeFile(outputTemp)
            try? POSIX.removeFile(sidecarTemp)
        }
        do {
            try outcome.writeOutput(outputTemp)
            try POSIX.fsyncFile(outputTemp)
        } catch let error as JobFailure { throw error } catch {
            throw JobFailure(stage: "write", reason: "\(error)")
        }
        var start = 0
        while true {
            let (name, n) = freeOutputName(for: input, from: start)
            start = n + 1
            let output = POSIX.join(config.outbox, name)
            try? POSIX.removeFile(sidecarTemp)
            try POSIX.writeNewFile(sidecarTemp, try outcome.sidecar(name))
            try beforeRename(name)
            guard try POSIX.renameNoReplace(outputTemp, output) == .renamed else { continue }
            try POSIX.fsyncDirectory(config.outbox)
            guard try POSIX.renameNoReplace(sidecarTemp, output + ".json") == .renamed else {
                // Someone else created our sidecar's name since we looked: take the output back
                // (it is whole, but without its sidecar it would look like an unfinished job).
                _ = try POSIX.renameNoReplace(output, outputTemp)
                continue
            }
            try POSIX.fsyncDirectory(config.outbox)
            return name
        }
    }

    /// Moves the original to done/ under `preferred` (or the next free suffix if that name was
    /// taken meanwhile); returns the name used.
    func moveToDone(input: String, preferred: String) throws -> String {
        try move(POSIX.join(config.inbox, input), into: config.done, preferred: preferred) { candidate in
            !POSIX.exists(POSIX.join(config.done, candidate))
        }
    }

    /// Moves a failed original to failed/ with `NAME.error.json` beside it; returns the name used.
    /// The error file is written first: a kill in between leaves the input in the inbox (it will be
    /// retried) and an error file without its image, whose name the retry reuses.
    func moveToFailed(input: String, errorDocument: (String) throws -> Data) throws -> String {
        var n = 0
        while true {
            let name = Outbox.numbered(input, n)
            n += 1
            let target = POSIX.join(config.failed, name)
            guard !POSIX.exists(target) else { continue }
            let errorPath = target + ".error.json"
            let temporary = POSIX.join(config.failed, temporaryName(name + ".error.json"))
            defer { try? POSIX.removeFile(temporary) }
            try POSIX.writeNewFile(temporary, try errorDocument(name))
            guard rename(temporary, errorPath) == 0 else { throw SystemError.last("rename", errorPath) }
            let moved: Bool
            do { moved = try moveFile(POSIX.join(config.inbox, input), to: target) } catch {
                try? POSIX.removeFile(errorPath)
                throw error
            }
            if moved {
                try POSIX.fsyncDirectory(config.failed)
                try POSIX.fsyncDirectory(config.inbox)
                return name
            }
            try? POSIX.removeFile(errorPath)
        }
    }

    private func move(_ source: String, into folder: String, preferred: String,
                      isFree: (String) -> Bool) throws -> String {
        var n = 0
        var candidate = preferred
        while true {
            if isFree(candidate), try moveFile(source, to: POSIX.join(folder, candidate)) {
                try POSIX.fsyncDirectory(folder)
                try POSIX.fsyncDirectory(config.inbox)
                return candidate
            }
            n += 1
            candidate = Outbox.numbered(preferred, n)
        }
    }

    /// Renames without replacing; across filesystems, copies under a temporary name, renames that,
    /// then unlinks the source. False when the target name is taken.
    private func moveFile(_ source: String, to target: String) throws -> Bool {
        do {
            return try POSIX.renameNoReplace(source, target) == .renamed
        } catch let error as SystemError where error.code == EXDEV {
            let folder = (target as NSString).deletingLastPathComponent
            let temporary = POSIX.join(folder, temporaryName((target as NSString).lastPathComponent))
            defer { try? POSIX.removeFile(temporary) }
            try POSIX.copyFileDurably(source, temporary)
            guard try POSIX.renameNoReplace(temporary, target) == .renamed else { return false }
            try POSIX.fsyncDirectory(folder)
            try POSIX.removeFile(source)
            return true
        }
    }
}

/// A process-wide counter for unique temporary names.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { value += 1; return value } }
}
