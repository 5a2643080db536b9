import CPlatform
import Foundation
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Thin, typed wrappers over the POSIX calls the folder protocol, the CLI and the study need, in
/// the spirit of swift-system (whose FileDescriptor, Stat and Errno they use): each says which
/// call failed on which path, retries EINTR, and never follows a symlink unless told to.
public enum FileSystem {
    /// lstat (or stat, following a final symlink): nil when the name does not exist.
    public static func identity(of path: String, followingSymlink: Bool = false) throws -> FileIdentity? {
        do {
            return FileIdentity(try Stat(FilePath(path), followTargetSymlink: followingSymlink))
        } catch {
            if error == .noSuchFileOrDirectory || error == .notDirectory { return nil }
            throw SystemError(followingSymlink ? "stat" : "lstat", path, error)
        }
    }

    /// fstat of an open file; `path` names it in the error.
    public static func identity(of descriptor: FileDescriptor, path: String) throws -> FileIdentity {
        FileIdentity(try SystemError.attempt("fstat", path) { try Stat(descriptor) })
    }

    /// Whether the name exists (with `followingSymlink`, whether what it leads to does).
    public static func exists(_ path: String, followingSymlink: Bool = false) -> Bool {
        (try? identity(of: path, followingSymlink: followingSymlink)).flatMap { $0 } != nil
    }

    /// Opens a file for reading. Without `followingSymlink` a symlink in the last component fails
    /// with ELOOP; O_NONBLOCK keeps a FIFO from blocking the open.
    public static func openForReading(_ path: String, followingSymlink: Bool = false) throws -> FileDescriptor {
        var options: FileDescriptor.OpenOptions = [.nonBlocking, .closeOnExec]
        if !followingSymlink { options.insert(.noFollow) }
        return try SystemError.attempt("open", path) { () throws in
            try FileDescriptor.open(FilePath(path), .readOnly, options: options)
        }
    }

    /// Reads a whole (small) file, without following a symlink unless told to.
    public static func readFile(_ path: String, followingSymlink: Bool = false) throws -> Data {
        let fd = try openForReading(path, followingSymlink: followingSymlink)
        defer { try? fd.close() }
        var data = Data()
        try SystemError.attempt("read", path) { () throws in
            try fd.forEachChunk { data.append(contentsOf: $0) }
        }
        return data
    }

    /// Creates the directory and its parents when missing.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if let id = try identity(of: path) {
            guard id.isDirectory else { throw SystemError("mkdir", path, .notDirectory) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0 && Glibc.errno != EEXIST { throw SystemError.last("mkdir", path) }
    }

    /// The names in a directory, without "." and "..", as the kernel holds them (bytes).
    public static func entries(ofDirectory path: String) throws -> [FileName] {
        guard let dir = opendir(path) else { throw SystemError.last("opendir", path) }
        defer { closedir(dir) }
        var names: [FileName] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if bytes != [0x2E] && bytes != [0x2E, 0x2E] { names.append(FileName(bytes: bytes)) }
        }
        return names
    }

    /// The names in a directory that are UTF-8 (see `entries` for all of them).
    public static func contents(ofDirectory path: String) throws -> [String] {
        try entries(ofDirectory: path).compactMap(\.string)
    }

    /// The files a command takes from a folder (`zsn2n denoise DIR`, a study's or an evaluation
    /// set's images, a fuzz corpus): the folder's names, not its subfolders' (a name is kept
    /// whatever it names: opening it says what is wrong with it), sorted, without hidden ones (a
    /// leading ".") unless `includingHidden`, and only those whose extension is one of
    /// `extensions` (any case) when given. A name that is not UTF-8 cannot be opened through a
    /// String path: it comes back apart, escaped (%XX), for the caller to report.
    public static func listing(of folder: String, includingHidden: Bool = false,
                               extensions: [String]? = nil) throws -> FolderListing {
        let wanted = extensions.map { Set($0.map { $0.lowercased() }) }
        func taken(_ name: String) -> Bool {
            (includingHidden || !name.hasPrefix("."))
                && wanted.map { $0.contains((name as NSString).pathExtension.lowercased()) } ?? true
        }
        let all = try entries(ofDirectory: folder)
        return FolderListing(names: all.compactMap(\.string).filter(taken).sorted(),
                             undecodable: all.filter { $0.string == nil }.map(\.escaped).filter(taken).sorted())
    }

    /// Every entry below `folder` (UTF-8 names only), as paths relative to it, depth first; a
    /// symlink to a folder is listed, not followed. An unreadable subfolder is passed over.
    public static func walk(_ folder: String) throws -> [String] {
        func below(_ relative: String, _ names: [String]) -> [String] {
            names.sorted().flatMap { name -> [String] in
                let entry = relative.isEmpty ? name : join(relative, name)
                let path = join(folder, entry)
                guard (try? identity(of: path))??.isDirectory == true else { return [entry] }
                return [entry] + below(entry, (try? contents(ofDirectory: path)) ?? [])
            }
        }
        return below("", try contents(ofDirectory: folder))
    }

    /// Renames the entry `name` of `folder` (by its bytes: it need not be UTF-8) to `target`,
    /// never replacing; false when `target` exists.
    public static func rename(_ name: FileName, in folder: String, to target: String) throws -> Bool {
        let source = Array((folder.hasSuffix("/") ? folder : folder + "/").utf8) + name.bytes + [0]
        let moved = source.withUnsafeBufferPointer { from in
            from.withMemoryRebound(to: CChar.self) { zsn2n_rename_noreplace(AT_FDCWD, $0.baseAddress!, AT_FDCWD, target) }
        }
        if moved == 0 { return true }
        if Glibc.errno == EEXIST { return false }
        throw SystemError.last("rename", "\(FileSystem.join(folder, name.escaped)) -> \(target)")
    }

    /// fsync of a file by name (not following a symlink).
    public static func sync(file path: String) throws {
        let fd = try openForReading(path)
        defer { try? fd.close() }
        guard fsync(fd.rawValue) == 0 else { throw SystemError.last("fsync", path) }
    }

    /// fsync of a directory makes the renames and unlinks inside it durable.
    public static func sync(directory path: String) throws {
        let fd = try SystemError.attempt("open", path) { () throws in
            try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
        }
        defer { try? fd.close() }
        guard fsync(fd.rawValue) == 0 else { throw SystemError.last("fsync", path) }
    }

    /// Renames `from` to `to`. Without `replacing`, an existing `to` is never replaced: the kernel
    /// refuses with EEXIST (renameat2 RENAME_NOREPLACE) and this returns false; on a filesystem
    /// without it, link+unlink gives the same guarantee.
    @discardableResult
    public static func rename(_ from: String, to: String, replacing: Bool) throws -> Bool {
        if replacing {
            guard Glibc.rename(from, to) == 0 else { throw SystemError.last("rename", "\(from) -> \(to)") }
            return true
        }
        if zsn2n_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to) == 0 { return true }
        switch Glibc.errno {
        case EEXIST: return false
        case EINVAL, ENOSYS:
            if link(from, to) != 0 {
                if Glibc.errno == EEXIST { return false }
                throw SystemError.last("link", "\(from) -> \(to)")
            }
            if unlink(from) != 0 { throw SystemError.last("unlink", from) }
            return true
        default:
            throw SystemError.last("rename", "\(from) -> \(to)")
        }
    }

    /// Moves a file to `to` without replacing anything; across filesystems (EXDEV) it copies into a
    /// staged file beside `to`, commits that, then unlinks the source. False when `to` is taken.
    public static func move(_ from: String, to: String, temporaryName: String) throws -> Bool {
        do {
            return try rename(from, to: to, replacing: false)
        } catch let error as SystemError where error.errno == .improperLink {
            let folder = (to as NSString).deletingLastPathComponent
            let staged = try StagedFile.copy(of: from, in: folder, temporaryName: temporaryName)
            defer { staged.discard() }
            guard try staged.commit(as: (to as NSString).lastPathComponent, replacing: false) else { return false }
            try remove(from)
            return true
        }
    }

    /// Whether `path` is a folder this process may create files in (following symlinks).
    public static func isWritableDirectory(_ path: String) -> Bool {
        guard let id = (try? identity(of: path, followingSymlink: true)) ?? nil, id.isDirectory else { return false }
        return access(path, W_OK | X_OK) == 0
    }

    /// Removes a file; one that is already gone is no error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && Glibc.errno != ENOENT { throw SystemError.last("unlink", path) }
    }

    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// What `FileSystem.listing` found: names, not paths (each caller joins them as its messages
/// have always shown them).
public struct FolderListing: Equatable, Sendable {
    /// The UTF-8 names, sorted.
    public var names: [String]
    /// The names that are not UTF-8, escaped (`FileName.escaped`), sorted.
    public var undecodable: [String]

    public init(names: [String], undecodable: [String]) {
        self.names = names
        self.undecodable = undecodable
    }
}

extension FileDescriptor {
    /// Reads from the current offset to the end, handing each chunk to `body` (EINTR is retried).
    public func forEachChunk(size: Int = 1 << 16, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try read(into: buffer)
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
