import SystemPackage

/// What `lstat` or `fstat` says about a file: enough to tell a regular file from anything else, to
/// notice a file that is still changing (size or mtime moved) or was replaced (inode moved), and to
/// tell whether two names are one file.
public struct FileIdentity: Equatable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    public var mtimeNanoseconds: Int64
    /// When the file's name or status last changed (ctime): a rename sets it, so it says when a
    /// file arrived in a folder, which its mtime (kept by the move) does not.
    public var changedNanoseconds: Int64
    public var type: FileType

    public init(_ stat: Stat) {
        device = UInt64(stat.deviceID.rawValue)
        inode = UInt64(stat.inode.rawValue)
        size = stat.size
        mtimeNanoseconds = Int64(stat.st_mtim.tv_sec) * 1_000_000_000 + Int64(stat.st_mtim.tv_nsec)
        changedNanoseconds = Int64(stat.st_ctim.tv_sec) * 1_000_000_000 + Int64(stat.st_ctim.tv_nsec)
        type = stat.type
    }

    public var isRegular: Bool { type == .regular }
    public var isSymlink: Bool { type == .symbolicLink }
    public var isDirectory: Bool { type == .directory }

    /// Same file, same content as far as the kernel's bookkeeping can tell.
    public func sameContent(as other: FileIdentity) -> Bool {
        sameFile(as: other) && size == other.size && mtimeNanoseconds == other.mtimeNanoseconds
    }

    /// The same file (device and inode), whatever its names: a hard link or a symlink's target.
    public func sameFile(as other: FileIdentity) -> Bool {
        device == other.device && inode == other.inode
    }
}
