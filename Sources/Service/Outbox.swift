import Foundation
import Pipeline
import Platform

/// The folder protocol: how a finished job becomes files with final names, and how an input leaves
/// the inbox. Every file is staged under a hidden temporary name, synced, then renamed without
/// replacing anything; the sidecar is renamed last, so a sidecar under a final name means the job is
/// complete and its output is whole.
struct Outbox {
    /// Temporary files start with this; whatever carries it at start is a leftover of a kill.
    static let temporaryPrefix = ".zsn2nd-tmp-"

    let config: DaemonConfig

    /// The name an input's files are given: the input's own, or, when NAME-N.error.json would not
    /// fit a file name's 255 bytes, its stem cut short with a hash of the whole (FileName.fitting).
    static func baseName(_ input: String) -> String {
        FileName.fitting(input, suffix: "-9999.error.json")
    }

    static func temporaryName(_ name: String) -> String {
        StagedFile.temporaryName(for: name, prefix: temporaryPrefix)
    }

    /// Removes the leftovers of an earlier run that was killed mid-write.
    func removeStaleTemporaries() -> [String] {
        var removed: [String] = []
        for folder in [config.outbox, config.done, config.failed] {
            for name in (try? FileSystem.contents(ofDirectory: folder)) ?? [] where name.hasPrefix(Outbox.temporaryPrefix) {
                let path = FileSystem.join(folder, name)
                if (try? FileSystem.remove(path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// The smallest suffix whose output, sidecar and (when the original will be moved) done/ name
    /// are all free, so that one job's three files share one name.
    func freeOutputName(for input: String, from start: Int = 0) -> (name: String, n: Int) {
        var n = start
        while true {
            let candidate = FileName.numbered(Outbox.baseName(input), n)
            let taken = FileSystem.exists(FileSystem.join(config.outbox, candidate))
                || FileSystem.exists(FileSystem.join(config.outbox, candidate + ".json"))
                || (config.after == .move && FileSystem.exists(FileSystem.join(config.done, candidate)))
            if !taken { return (candidate, n) }
            n += 1
        }
    }

    /// Writes output and sidecar and renames them into place; returns the output's final name.
    /// `beforeRename` runs once the final name is chosen and before anything carries it (the ledger's
    /// intent line): after a kill between the two renames, the next start finds the intent, sees the
    /// output without its sidecar and removes it, so the redone job does not leave a duplicate.
    func commit(input: String, result: DenoisedImage, beforeRename: (String) throws -> Void) throws -> String {
        let output: StagedFile
        do {
            output = try StagedFile.write(in: config.outbox, temporaryName: Outbox.temporaryName(input)) { path in
                try result.write(to: path, displayName: input)
            }
        } catch let error as PipelineError {
            throw JobFailure(stage: error.stage.rawValue, reason: error.reason, errno: error.errno)
        } catch let error as SystemError {
            throw JobFailure(stage: "write", reason: "\(error)", errno: error.errno)
        }
        defer { output.discard() }
        var start = 0
        while true {
            let (name, n) = freeOutputName(for: input, from: start)
            start = n + 1
            let sidecar = try StagedFile.write(try result.sidecar(outputFile: name).jsonData(), in: config.outbox,
                                               temporaryName: Outbox.temporaryName(input + ".json"))
            defer { sidecar.discard() }
            try beforeRename(name)
            // A name taken since we looked (the output's or the sidecar's): the next suffix.
            if try StagedFile.commit([(output, name), (sidecar, name + ".json")], replacing: false) == nil { return name }
        }
    }

    /// Moves the original to done/ under `preferred` (or the next free suffix if that name was
    /// taken meanwhile); returns the name used.
    func moveToDone(input: String, preferred: String) throws -> String {
        var n = 0
        while true {
            let candidate = FileName.numbered(preferred, n)
            if !FileSystem.exists(FileSystem.join(config.done, candidate)),
               try move(FileSystem.join(config.inbox, input), to: FileSystem.join(config.done, candidate)) {
                try FileSystem.sync(directory: config.done)
                try FileSystem.sync(directory: config.inbox)
                return candidate
            }
            n += 1
        }
    }

    /// Moves a failed original to failed/ with `NAME.error.json` beside it; returns the name used.
    /// The error file is written first: a kill in between leaves the input in the inbox (it will be
    /// retried) and an error file without its image, whose name the retry reuses.
    func moveToFailed(input: String, errorDocument: (String) throws -> Data) throws -> String {
        try moveToFailed(FileName(input), as: input, errorDocument: errorDocument)
    }

    /// `moveToFailed` of an inbox entry known by its bytes (a name that is not UTF-8 is refused
    /// under its escaped form, `shownAs`).
    func moveToFailed(_ entry: FileName, as shownAs: String, errorDocument: (String) throws -> Data) throws -> String {
        var n = 0
        while true {
            let name = FileName.numbered(Outbox.baseName(shownAs), n)
            n += 1
            let target = FileSystem.join(config.failed, name)
            guard !FileSystem.exists(target) else { continue }
            let document = try StagedFile.write(try errorDocument(name), in: config.failed,
                                                temporaryName: Outbox.temporaryName(name + ErrorDocument.suffix))
            defer { document.discard() }
            try document.commit(as: name + ErrorDocument.suffix, replacing: true)
            let errorPath = target + ErrorDocument.suffix
            let moved: Bool
            do {
                moved = try entry.string.map { try move(FileSystem.join(config.inbox, $0), to: target) }
                    ?? FileSystem.rename(entry, in: config.inbox, to: target)
            } catch {
                try? FileSystem.remove(errorPath)
                throw error
            }
            if moved {
                try FileSystem.sync(directory: config.failed)
                try FileSystem.sync(directory: config.inbox)
                return name
            }
            try? FileSystem.remove(errorPath)
        }
    }

    /// Renames without replacing (copying across filesystems); false when the target is taken.
    private func move(_ source: String, to target: String) throws -> Bool {
        try FileSystem.move(source, to: target, temporaryName: Outbox.temporaryName((target as NSString).lastPathComponent))
    }
}
