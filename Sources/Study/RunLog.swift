import Foundation
import Platform

/// runs.jsonl: one line per finished run (a `ResultsLog` of JSON lines), appended and fsynced as
/// each run ends, so that a study killed at any moment loses at most the run in progress and
/// resumes from the rest.
struct RunLog {
    let path: String

    /// The records logged so far. A last line cut short by a crash is dropped (and cut from the file,
    /// so the next append starts on a fresh line); any other unreadable line is an error.
    func load() throws -> [RunRecord] {
        let contents: ResultsLog.Contents?
        do { contents = try ResultsLog(path: path).read() } catch let error as SystemError where error.operation == "truncate" {
            throw StudyError("\(path): cannot cut off the unfinished last line: \(error.errno.description)")
        }
        let decoder = JSONFormat.decoder(nonFinite: .strings)
        return try (contents?.lines ?? []).enumerated().map { number, line in
            do { return try decoder.decode(RunRecord.self, from: Data(line.utf8)) } catch {
                throw StudyError("\(path), line \(number + 1): not a run record (\(error)); move the file away to start afresh")
            }
        }
    }

    /// Appends `record` as one line and waits until it is on disk.
    func append(_ record: RunRecord) throws {
        do { try ResultsLog(path: path).append(String(decoding: try JSONFormat.encoder(.line, nonFinite: .strings).encode(record), as: UTF8.self)) } catch {
            throw StudyError("\(path): cannot append: \(error)")
        }
    }
}
