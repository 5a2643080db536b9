import Foundation
import Platform
#if canImport(Glibc)
import Glibc
#endif

/// runs.jsonl: one line per finished run, appended and fsynced as each run ends, so that a study
/// killed at any moment loses at most the run in progress and resumes from the rest.
struct RunLog {
    let path: String

    /// The records logged so far. A last line cut short by a crash is dropped (and cut from the file,
    /// so the next append starts on a fresh line); any other unreadable line is an error.
    func load() throws -> [RunRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var complete = bytes
        if let last = bytes.last, last != UInt8(ascii: "\n") {
            let keep = (bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
            complete = bytes.prefix(keep)
            guard truncate(path, off_t(keep)) == 0 else {
                throw StudyError("\(path): cannot cut off the unfinished last line: \(String(cString: strerror(errno)))")
            }
        }
        let decoder = JSONFormat.decoder(nonFinite: .strings)
        return try complete.split(separator: UInt8(ascii: "\n")).enumerated().map { number, line in
            do { return try decoder.decode(RunRecord.self, from: Data(line)) } catch {
                throw StudyError("\(path), line \(number + 1): not a run record (\(error)); move the file away to start afresh")
            }
        }
    }

    /// Appends `record` as one line and waits until it is on disk.
    func append(_ record: RunRecord) throws {
        do { try AppendLog(path: path).append(try JSONFormat.encoder(.line, nonFinite: .strings).encode(record)) } catch {
            throw StudyError("\(path): cannot append: \(error)")
        }
    }
}
