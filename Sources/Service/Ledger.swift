import Foundation
import Platform

/// The daemon's memory of what it committed, so that a restart neither loses nor repeats work.
///
/// A line is appended (and fsynced) *before* the output is renamed into place ("intent") and
/// another once the sidecar is ("committed"). On restart, an input in the inbox whose name and SHA-256
/// match a committed entry (or an intent whose sidecar exists: the kill fell between the two lines)
/// is not denoised again:
/// - after: keep — it is skipped, for as long as it stays in the inbox;
/// - after: move / delete — the kill fell between the sidecar and the move, so the move (delete) is
///   finished, but only if it is the very same file (device, inode, size, mtime): the same bytes
///   dropped again later under the same name are new work.
///
/// The file lives in the outbox as `.zsn2nd-ledger.jsonl` and is compacted at start, and at every
/// retention sweep (`compact`), to the entries whose input is still in the inbox and the intents of
/// the jobs running, so it stays as small as the inbox between restarts too.
final class Ledger: @unchecked Sendable {
    struct Entry: Codable, Equatable {
        var state: String  // "intent" or "committed"
        var input: String
        var sha256: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeNs: Int64
        var output: String
        var time: String

        func matches(_ identity: FileIdentity) -> Bool {
            device == identity.device && inode == identity.inode && size == identity.size
                && mtimeNs == identity.mtimeNanoseconds
        }
    }

    static let fileName = ".zsn2nd-ledger.jsonl"
    let path: String
    private let outbox: String
    private let log: AppendLog
    private let lock = NSLock()
    /// Committed entries by input name, latest last.
    private var committed: [String: [Entry]] = [:]
    /// Intents not yet committed, by output: the jobs between their two lines.
    private var intents: [String: Entry] = [:]

    init(outbox: String) {
        self.outbox = outbox
        path = FileSystem.join(outbox, Ledger.fileName)
        log = AppendLog(path: path, mode: 0o600)
    }

    /// Reads the ledger, resolves intents against the sidecars in the outbox, and rewrites it keeping
    /// only entries whose input is still in the inbox.
    func load(inbox: String) throws {
        var entries: [Entry] = []
        if FileSystem.exists(path) {
            let data = try FileSystem.readFile(path)
            for line in data.split(separator: UInt8(ascii: "\n")) {
                // A line cut short by a kill is skipped: its sidecar, if any, was not yet renamed
                // (intent) or the intent line before it already says enough (committed).
                if let entry = try? JSONFormat.decoder().decode(Entry.self, from: Data(line)) { entries.append(entry) }
            }
        }
        var result: [String: [Entry]] = [:]
        for entry in entries {
            let isCommitted = entry.state == "committed"
                || (entry.state == "intent" && FileSystem.exists(FileSystem.join(outbox, entry.output + ".json")))
            guard isCommitted else {
                // Killed between the two renames: the output carries its final name but has no
                // sidecar. It is ours (the intent names it) and the job will be redone: remove it.
                let orphan = FileSystem.join(outbox, entry.output)
                if let id = try? FileSystem.identity(of: orphan), id.isRegular { try FileSystem.remove(orphan) }
                continue
            }
            var final = entry
            final.state = "committed"
            if !(result[entry.input]?.contains(final) ?? false) { result[entry.input, default: []].append(final) }
        }
        let present = Set((try? FileSystem.contents(ofDirectory: inbox)) ?? [])
        result = result.filter { present.contains($0.key) }
        lock.withLock { committed = result }
        try rewrite(result.values.flatMap { $0 })
    }

    private func rewrite(_ entries: [Entry]) throws {
        var data = Data()
        for entry in entries {
            data.append(try JSONFormat.encoder(.line).encode(entry))
            data.append(UInt8(ascii: "\n"))
        }
        let staged = try StagedFile.write(data, in: outbox, temporaryName: Outbox.temporaryName("ledger"), mode: 0o600)
        defer { staged.discard() }
        try staged.commit(as: Ledger.fileName, replacing: true)
    }

    func append(_ entry: Entry) throws {
        let line = try JSONFormat.encoder(.line).encode(entry)
        try lock.withLock {
            try log.append(line)
            if entry.state == "committed" {
                committed[entry.input, default: []].append(entry)
                intents[entry.output] = nil
            } else {
                intents[entry.output] = entry
            }
        }
    }

    /// Rewrites the file with what is still needed: the committed entries of inputs still in the
    /// inbox, and the intents of jobs between their two lines (appends wait meanwhile).
    func compact() throws {
        try lock.withLock { try rewrite(committed.values.flatMap { $0 } + intents.values) }
    }

    /// The committed entry for this input name and content, if any.
    func committedEntry(input: String, sha256: String) -> Entry? {
        lock.withLock { committed[input]?.last { $0.sha256 == sha256 } }
    }

    /// Forgets an input once it has left the inbox (moved or deleted), keeping memory bounded.
    func forget(input: String) {
        lock.withLock { _ = committed.removeValue(forKey: input) }
    }
}
