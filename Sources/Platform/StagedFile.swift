import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// The one atomic write: a file written whole under a temporary name in its destination folder,
/// synced to disk, and only then given its final name (and the folder synced), so that a final
/// name never carries a partial file, whatever instant a kill or a power cut falls on.
///
/// The outbox and the CLI stage an output and its sidecar and commit them in order (`commit(_:)`);
/// the study's files, evaluate's and the ledger's compaction commit one file.
public struct StagedFile: Sendable {
    public let directory: String
    public let temporaryPath: String

    private init(directory: String, temporaryName: String) {
        self.directory = directory
        temporaryPath = FileSystem.join(directory, temporaryName)
    }

    /// A temporary name for `name`: `PREFIX NAME.RANDOM.tmp`, cut to stay within a file name's 255
    /// bytes. The random part (not a counter) keeps two writers apart without shared state.
    public static func temporaryName(for name: String, prefix: String = ".") -> String {
        let suffix = "." + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
        var kept = ""
        for scalar in name.unicodeScalars {
            let next = kept + String(scalar)
            guard prefix.utf8.count + next.utf8.count + suffix.utf8.count <= 255 else { break }
            kept = next
        }
        return prefix + kept + suffix
    }

    /// Stages the file that `body` writes at the path it is given (an encoder that opens the file
    /// itself), then syncs it. A failure removes whatever `body` left.
    public static func write(in directory: String, temporaryName: String,
                             _ body: (_ temporaryPath: String) throws -> Void) throws -> StagedFile {
        let staged = StagedFile(directory: directory, temporaryName: temporaryName)
        do {
            try body(staged.temporaryPath)
            try FileSystem.sync(file: staged.temporaryPath)
        } catch {
            staged.discard()
            throw error
        }
        return staged
    }

    /// Stages `data` in a new file (never an existing one: O_EXCL) with `mode`.
    public static func write(_ data: Data, in directory: String, temporaryName: String,
                             mode: mode_t = 0o644) throws -> StagedFile {
        try write(in: directory, temporaryName: temporaryName) { path in
            let fd = try SystemError.attempt("open", path) {
                try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                                        permissions: FilePermissions(rawValue: mode))
            }
            defer { try? fd.close() }
            _ = try SystemError.attempt("write", path) { try fd.writeAll(data) }
        }
    }

    /// Stages a copy of the file at `source` (not following a symlink).
    public static func copy(of source: String, in directory: String, temporaryName: String) throws -> StagedFile {
        let input = try FileSystem.openForReading(source)
        defer { try? input.close() }
        return try write(in: directory, temporaryName: temporaryName) { path in
            let output = try SystemError.attempt("open", path) {
                try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                                        permissions: FilePermissions(rawValue: 0o644))
            }
            defer { try? output.close() }
            try SystemError.attempt("read", source) {
                try input.forEachChunk { chunk in _ = try SystemError.attempt("write", path) { try output.writeAll(chunk) } }
            }
        }
    }

    /// Gives the staged file its final `name` in its folder and syncs the folder. Without
    /// `replacing`, an existing file of that name is left alone and this returns false (the
    /// staged file stays, for another name).
    @discardableResult
    public func commit(as name: String, replacing: Bool) throws -> Bool {
        guard try FileSystem.rename(temporaryPath, to: FileSystem.join(directory, name), replacing: replacing) else {
            return false
        }
        try FileSystem.sync(directory: directory)
        return true
    }

    /// Gives staged files their final names in order, each in its own folder, without replacing
    /// an existing file unless `replacing`: an output before its sidecar, so that a sidecar under
    /// a final name means its output is whole. When a name is taken, the files already committed
    /// are taken back under their temporary names (whole, but without the rest of the set they
    /// would look like an unfinished job), so that no part of the set keeps a final name; this
    /// then returns the position of the file whose name was taken, and nil once every file
    /// carries its name. The CLI's output and sidecar and the daemon's outbox commit this way.
    public static func commit(_ files: [(staged: StagedFile, name: String)], replacing: Bool) throws -> Int? {
        for (position, file) in files.enumerated() where try !file.staged.commit(as: file.name, replacing: replacing) {
            for earlier in files[..<position].reversed() {
                try FileSystem.rename(FileSystem.join(earlier.staged.directory, earlier.name), to: earlier.staged.temporaryPath,
                                      replacing: false)
            }
            return position
        }
        return nil
    }

    /// Removes the staged file if it is still there (after a commit it is not).
    public func discard() {
        try? FileSystem.remove(temporaryPath)
    }

    /// Writes `path` atomically in one go: staged beside it as `.NAME.RANDOM.tmp`, then renamed
    /// over it (or, without `replacing`, refused with EEXIST when it exists).
    public static func writeAtomically(to path: String, replacing: Bool = true,
                                       _ body: (_ temporaryPath: String) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let staged = try write(in: directory.isEmpty ? "." : directory, temporaryName: temporaryName(for: name), body)
        defer { staged.discard() }
        guard try staged.commit(as: name, replacing: replacing) else { throw SystemError("rename", path, .fileExists) }
    }

    /// `writeAtomically` of bytes.
    public static func writeAtomically(_ data: Data, to path: String, replacing: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let staged = try write(data, in: directory.isEmpty ? "." : directory, temporaryName: temporaryName(for: name))
        defer { staged.discard() }
        guard try staged.commit(as: name, replacing: replacing) else { throw SystemError("rename", path, .fileExists) }
    }
}
