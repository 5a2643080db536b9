import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The files written a line at a time: the one durable append, an experiment's results log that
/// resumes from it, and the CSV fields of such a line.

/// The one durable append: a JSON-lines file to which each record is appended whole (one write of
/// the line, O_APPEND) and synced before `append` returns. The daemon's ledger and the study's run
/// log are such files; a kill can at most leave the last line cut short, which their readers skip.
public struct AppendLog: Sendable {
    public let path: String
    public let mode: mode_t

    public init(path: String, mode: mode_t = 0o644) {
        self.path = path
        self.mode = mode
    }

    /// Appends `line` and a newline, and syncs the file.
    public func append(_ line: Data) throws {
        var record = line
        record.append(UInt8(ascii: "\n"))
        let fd = try SystemError.attempt("open", path) {
            try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .append, .noFollow, .closeOnExec],
                                    permissions: FilePermissions(rawValue: mode))
        }
        defer { try? fd.close() }
        _ = try SystemError.attempt("write", path) { try fd.writeAll(record) }
        guard fsync(fd.rawValue) == 0 else { throw SystemError.last("fsync", path) }
    }
}

/// The results file of an experiment that may be stopped at any moment and run again (the rows of
/// `zsn2n evaluate`, the study's runs.jsonl): after an optional header line, one line per finished
/// run, appended whole and synced as the run ends (`AppendLog`), and read back on start so that the
/// runs it holds are not done again. A kill can at most cut the last line short: `read` drops that
/// line and cuts it off the file, so that the next append starts on a line of its own, and says
/// which line it was. The file is read through a symlink, as it was given.
public struct ResultsLog: Sendable {
    public let path: String
    /// The first line (a CSV's column names), or nil (JSON lines).
    public let header: String?

    public init(path: String, header: String? = nil) {
        self.path = path
        self.header = header
    }

    public struct Contents: Sendable, Equatable {
        /// The file's first line when the log has a header (the caller checks it is its own).
        public var header: String?
        /// The complete lines after it, without their newlines; empty lines are passed over.
        public var lines: [String]
        /// The last line, when a kill had cut it short; it is no longer in the file.
        public var cutShort: String?
    }

    /// What the file holds; nil when there is no file yet.
    public func read() throws -> Contents? {
        guard try FileSystem.identity(of: path, followingSymlink: true) != nil else { return nil }
        let bytes = try FileSystem.readFile(path, followingSymlink: true)
        func text(_ line: Data) throws -> String {
            guard let text = String(validating: line, as: UTF8.self) else { throw SystemError("read", path, .illegalByteSequence) }
            return text
        }
        var lines = try bytes.split(separator: UInt8(ascii: "\n")).map(text)
        let first = header == nil || lines.isEmpty ? nil : lines.removeFirst()
        // The last line without its newline was cut short (a header alone is left as it is).
        var cutShort: String?
        if let last = bytes.last, last != UInt8(ascii: "\n"), !lines.isEmpty {
            cutShort = lines.removeLast()
            let keep = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 - bytes.startIndex } ?? 0
            guard truncate(path, off_t(keep)) == 0 else { throw SystemError.last("truncate", path) }
        }
        return Contents(header: first, lines: lines, cutShort: cutShort)
    }

    /// Creates the file with its header line (or empty), never replacing one.
    public func create() throws {
        try StagedFile.writeAtomically(Data(header.map { $0 + "\n" }?.utf8 ?? "".utf8), to: path, replacing: false)
    }

    /// Appends one line (a finished run) and syncs the file.
    public func append(_ line: String) throws {
        try AppendLog(path: path).append(Data(line.utf8))
    }
}

/// The fields of a results CSV line (RFC 4180): a field is quoted when it holds a comma, a quote
/// or a line break, a quote inside doubled.
public enum CSV {
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of fields, each quoted as it needs.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// The fields of one line, quotes undone.
    public static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let ch = characters.next() {
            if quoted {
                if ch == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(field); field = "" } else { field.append(next) }
                        }
                    } else { quoted = false }
                } else { field.append(ch) }
            } else if ch == "\"" && field.isEmpty {
                quoted = true
            } else if ch == "," {
                fields.append(field); field = ""
            } else {
                field.append(ch)
            }
        }
        fields.append(field)
        return fields
    }
}
