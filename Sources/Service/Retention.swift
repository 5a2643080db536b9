import Foundation
import Platform

/// What the operator keeps of the finished work, and for how long (`keep_done_days`,
/// `keep_outbox_days`, `keep_failed_days`; none keeps for ever, as the daemon always did): an item
/// older than that is removed from its folder, with what belongs to it (an output's sidecar, a
/// failed original's error document), and logged. An item's age runs from when it arrived in the
/// folder: the later of its mtime and its ctime (a move keeps the mtime, and sets the ctime).
///
/// Only regular files with names of their own are touched, inside the three folders: hidden names
/// (the daemon's temporaries, a file still being staged), symbolic links, folders and anything
/// elsewhere are left alone. An output goes sidecar first, so that a kill between the two leaves an
/// output without a sidecar, which no reader takes for a finished job.
struct Retention {
    struct Removal: Equatable {
        var folder: String
        /// The item's files, in the order they were removed.
        var files: [String]
        var ageDays: Double
    }

    let outbox: String
    let done: String
    let failed: String
    let keepOutboxDays: Double?
    let keepDoneDays: Double?
    let keepFailedDays: Double?

    init(config: DaemonConfig) {
        (outbox, done, failed) = (config.outbox, config.done, config.failed)
        (keepOutboxDays, keepDoneDays, keepFailedDays) = (config.keepOutboxDays, config.keepDoneDays, config.keepFailedDays)
    }

    /// True when some folder has a limit.
    var isActive: Bool { [keepOutboxDays, keepDoneDays, keepFailedDays].contains { $0 != nil } }

    /// How often to sweep: a tenth of the shortest limit, at most hourly, at least every second.
    var interval: Double? {
        [keepOutboxDays, keepDoneDays, keepFailedDays].compactMap { $0 }.min().map { min(3600, max(1, $0 * 86400 / 10)) }
    }

    /// Removes what is older than its folder keeps, as of `now`; `failure` hears of what could not
    /// be listed or removed (the sweep goes on with the rest).
    func sweep(now: Date = Date(), failure: (String) -> Void = { _ in }) -> [Removal] {
        // An item is a file and what belongs to it, the file that dates it first: an output's
        // sidecar and the output; a failed original's error document and the original.
        func withDocument(_ suffix: String) -> (String) -> [String] {
            { name in name.hasSuffix(suffix) ? [name, String(name.dropLast(suffix.count))] : [name] }
        }
        return [(outbox, keepOutboxDays, withDocument(".json")), (failed, keepFailedDays, withDocument(ErrorDocument.suffix)),
                (done, keepDoneDays, { [$0] })].flatMap { folder, days, item in
            days.map { sweep(folder, olderThan: $0, now: now, failure: failure, item: item) } ?? []
        }
    }

    private func sweep(_ folder: String, olderThan days: Double, now: Date, failure: (String) -> Void,
                       item: (String) -> [String]) -> [Removal] {
        let names: [String]
        do { names = try FileSystem.listing(of: folder).names } catch {
            failure("\(folder): \(error)")
            return []
        }
        let present = Set(names)
        let items = names.map { item($0).filter(present.contains) }
        var covered = Set<String>(), removals: [Removal] = []
        // Items with a document first, so that a file is taken with its document, then the rest.
        for files in items.filter({ $0.count > 1 }) + items.filter({ $0.count == 1 }) where covered.isDisjoint(with: files) {
            covered.formUnion(files)
            guard let age = ageDays(FileSystem.join(folder, files[0]), now: now), age > days else { continue }
            var removed: [String] = []
            for file in files {
                let path = FileSystem.join(folder, file)
                guard (try? FileSystem.identity(of: path))??.isRegular == true else { continue }
                do {
                    try FileSystem.remove(path)
                    removed.append(file)
                } catch {
                    failure("\(path): \(error)")
                }
            }
            if !removed.isEmpty { removals.append(Removal(folder: folder, files: removed, ageDays: age)) }
        }
        return removals
    }

    /// Days since the regular file at `path` arrived; nil for anything else.
    private func ageDays(_ path: String, now: Date) -> Double? {
        guard let id = (try? FileSystem.identity(of: path)) ?? nil, id.isRegular else { return nil }
        let arrived = Double(max(id.mtimeNanoseconds, id.changedNanoseconds)) / 1e9
        return (now.timeIntervalSince1970 - arrived) / 86400
    }
}
