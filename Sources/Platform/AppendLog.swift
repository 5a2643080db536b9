import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

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
