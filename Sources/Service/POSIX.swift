import CSystemd
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and errno's text. Thin typed wrappers over POSIX in the
/// spirit of swift-system, limited to the few calls the folder protocol needs.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String
    public var code: Int32
    public var description: String { "\(call) \(path): \(String(cString: strerror(code)))" }

    static func last(_ call: String, _ path: String) -> SystemError {
        SystemError(call: call, path: path, code: errno)
    }
}

/// What `lstat` says about a name: enough to tell a regular file from anything else, and to notice a
/// file that is still changing (size or mtime moved) or was replaced (inode moved).
public struct FileIdentity: Equatable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var isRegular: Bool
    public var isSymlink: Bool
    public var isDirectory: Bool

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtimeNanoseconds = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let type = st.st_mode & S_IFMT
        isRegular = type == S_IFREG
        isSymlink = type == S_IFLNK
        isDirectory = type == S_IFDIR
    }

    /// Same file, same content as far as the kernel's bookkeeping can tell.
    public func sameContent(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode && size == other.size
            && mtimeNanoseconds == other.mtimeNanoseconds
    }
}

enum POSIX {
    /// lstat: never follows a symlink. nil when the name does not exist.
    static func lstatIdentity(_ path: String) throws -> FileIdentity? {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError.last("lstat", path)
        }
        return FileIdentity(st)
    }

    static func fstatIdentity(_ fd: Int32, _ path: String) throws -> FileIdentity {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError.last("fstat", path) }
        return FileIdentity(st)
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Opens a regular file for reading without following a symlink in its last component
    /// (O_NOFOLLOW fails with ELOOP on one) and without blocking on a FIFO (O_NONBLOCK).
    static func openForReadingNoFollow(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        return fd
    }

    /// Creates the directory and its parents when missing.
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if let id = try lstatIdentity(path) {
            guard id.isDirectory else { throw SystemError(call: "mkdir", path: path, code: ENOTDIR) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectory(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError.last("mkdir", path) }
    }

    /// The names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SystemError.last("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsync of a directory makes the renames and unlinks inside it durable.
    static func fsyncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError.last("fsync", path) }
    }

    static func fsyncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError.last("fsync", path) }
    }

    /// Writes `data` to a new file (O_EXCL: never an existing one), fsyncs it and closes it.
    static func writeNewFile(_ path: String, _ data: Data, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError.last("open", path) }
        defer { close(fd) }
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemError.last("write", path)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw SystemError.last("fsync", path) }
    }

    enum RenameResult { case renamed, targetExists }

    /// Renames without ever replacing: the kernel refuses with EEXIST when `to` exists, so a name
    /// that appeared after we chose ours is never overwritten. On a filesystem without
    /// RENAME_NOREPLACE, link+unlink gives the same guarantee (link refuses an existing name).
    static func renameNoReplace(_ from: String, _ to: String) throws -> RenameResult {
        if zsn2n_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to) == 0 { return .renamed }
        switch errno {
        case EEXIST: return .targetExists
        case EINVAL, ENOSYS:
            if link(from, to) != 0 {
                if errno == EEXIST { return .targetExists }
                throw SystemError.last("link", "\(from) -> \(to)")
            }
            if unlink(from) != 0 { throw SystemError.last("unlink", from) }
            return .renamed
        default:
            throw SystemError.last("rename", "\(from) -> \(to)")
        }
    }

    static func removeFile(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError.last("unlink", path) }
    }

    /// Copies a file's bytes to a new file and fsyncs it: the fallback when a rename would cross
    /// filesystems (EXDEV), e.g. an inbox and a done/ folder on different mounts.
    static func copyFileDurably(_ from: String, _ to: String) throws {
        let input = try openForReadingNoFollow(from)
        defer { close(input) }
        let output = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SystemError.last("open", to) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SystemError.last("read", from) }
            if n == 0 { break }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, n - offset) }
                if w < 0 { if errno == EINTR { continue }; throw SystemError.last("write", to) }
                offset += w
            }
        }
        guard fsync(output) == 0 else { throw SystemError.last("fsync", to) }
    }

    /// Reads a whole (small) file without following a symlink.
    static func readFile(_ path: String) throws -> Data {
        let fd = try openForReadingNoFollow(path)
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SystemError.last("read", path) }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
