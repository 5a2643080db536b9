import Dispatch
import Foundation
import Imaging
import Platform

/// Decides when a file in the inbox is complete: after it was closed from writing or moved in, its
/// size and mtime must stay unchanged for `settleSeconds`. A writer that closes and reopens the file
/// between chunks (or keeps writing) pushes the moment back. Everything runs on `queue`.
final class Settler {
    private struct Pending {
        var identity: FileIdentity
        var generation: Int
    }

    let inbox: String
    private let settleSeconds: Double
    private let emptyTimeoutSeconds: Double
    private let queue: DispatchQueue
    private let ready: (String) -> Void
    private let undecodable: (FileName) -> Void
    private var pending: [String: Pending] = [:]
    private var generation = 0

    /// `ready` gets the names to take; `undecodable` the entries whose names are not UTF-8, which
    /// cannot be taken and are refused.
    init(inbox: String, settleSeconds: Double, emptyTimeoutSeconds: Double, queue: DispatchQueue,
         ready: @escaping (String) -> Void, undecodable: @escaping (FileName) -> Void) {
        self.inbox = inbox
        self.settleSeconds = settleSeconds
        self.emptyTimeoutSeconds = emptyTimeoutSeconds
        self.queue = queue
        self.ready = ready
        self.undecodable = undecodable
    }

    /// The file may be complete (closed after writing, moved in, or found by a scan).
    /// An empty file waits for content: many uploaders create the file, close it, then reopen it to
    /// write. One that stays empty (unchanged) for `emptyTimeoutSeconds` is handed on, and the job
    /// refuses it into failed/, so that it does not sit in the inbox forever.
    func consider(_ name: String, onlyIfSpecial: Bool = false) {
        guard InboxRules.isCandidate(name) else { return }
        guard let identity = try? FileSystem.identity(of: FileSystem.join(inbox, name)), !identity.isDirectory,
              !identity.isRegular || !onlyIfSpecial else {
            if !onlyIfSpecial { pending[name] = nil }
            return
        }
        if !identity.isRegular {
            // A symlink, a FIFO or a device: nothing to wait for (a FIFO is never "closed after
            // writing"); the job refuses it into failed/.
            pending[name] = nil
            ready(name)
            return
        }
        schedule(name, identity)
    }

    /// The file was written to: if it is being watched, its quiet period starts again.
    func touched(_ name: String) {
        guard pending[name] != nil, let identity = try? FileSystem.identity(of: FileSystem.join(inbox, name)) else { return }
        schedule(name, identity)
    }

    func forget(_ name: String) { pending[name] = nil }

    /// Every candidate in the inbox (the backlog at start, or after an inotify overflow).
    func scan() throws -> Int {
        let entries = try FileSystem.entries(ofDirectory: inbox)
        let names = entries.compactMap(\.string).filter(InboxRules.isCandidate).sorted()
        names.forEach { consider($0) }
        let odd = entries.filter { $0.string == nil && InboxRules.isCandidate($0.escaped) }
        odd.forEach(refuse)
        return names.count + odd.count
    }

    /// A name that is not UTF-8, if it looks like an image's (its escaped form is a candidate).
    func refuse(_ entry: FileName) {
        guard InboxRules.isCandidate(entry.escaped) else { return }
        undecodable(entry)
    }

    private func schedule(_ name: String, _ identity: FileIdentity) {
        // An empty file already waiting keeps its deadline: a scan or a touch that changes nothing
        // must not push the empty timeout back for ever.
        if identity.size == 0, let waiting = pending[name], waiting.identity.sameContent(as: identity) { return }
        generation += 1
        let mine = generation
        pending[name] = Pending(identity: identity, generation: mine)
        let wait = identity.size == 0 ? max(emptyTimeoutSeconds, settleSeconds) : settleSeconds
        queue.asyncAfter(deadline: .now() + wait) { [weak self] in self?.check(name, mine) }
    }

    private func check(_ name: String, _ expected: Int) {
        guard let entry = pending[name], entry.generation == expected else { return }  // superseded
        guard let now = try? FileSystem.identity(of: FileSystem.join(inbox, name)) else {
            pending[name] = nil
            return
        }
        if now.sameContent(as: entry.identity) {
            pending[name] = nil
            ready(name)
        } else {
            schedule(name, now)
        }
    }
}

/// Which names in the inbox are images to take, and which must wait.
public enum InboxRules {
    /// Names that uploaders and browsers use while a file is still being written; such a file is
    /// taken only once it is renamed to its final name (inotify reports that as IN_MOVED_TO).
    static let temporarySuffixes = [".part", ".tmp", ".crdownload", "~"]

    /// True for `photo.PNG`, `scan.jpeg`, `stack.tif`; false for `.photo.png`, `photo.png.part`, `notes.txt`.
    public static func isCandidate(_ name: String) -> Bool {
        guard !name.hasPrefix("."), !name.isEmpty, !name.contains("/") else { return false }
        let lower = name.lowercased()
        if temporarySuffixes.contains(where: { lower.hasSuffix($0) }) { return false }
        guard let dot = lower.lastIndex(of: "."), dot != lower.startIndex else { return false }
        return ImageSourceInfo.Format(fileExtension: String(lower[lower.index(after: dot)...])) != nil
    }
}
