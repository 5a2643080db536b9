import Foundation
import Platform
import SystemPackage

/// An image file opened for a job: the descriptor every later read goes through (a name swapped
/// for another file, or for a symlink, after the open is never followed), what fstat said of it,
/// and the SHA-256 of its bytes, read once at the open.
public final class InputFile: @unchecked Sendable {
    /// The path it was opened by, as the caller gave it: what errors name.
    public let path: String
    /// What the sidecar calls it: the file's name without its folder.
    public let name: String
    public let descriptor: FileDescriptor
    public let identity: FileIdentity
    /// SHA-256 of the bytes, as 64 hex digits.
    public let digest: String

    /// Opens a regular file and hashes it. Without `followingSymlink`, a symlink is refused (the
    /// daemon's inbox never follows one); a directory, a FIFO or a device is refused either way.
    public init(opening path: String, followingSymlink: Bool = true) throws {
        let fd: FileDescriptor
        do {
            fd = try FileSystem.openForReading(path, followingSymlink: followingSymlink)
        } catch let error as SystemError {
            let reason: String
            switch error.errno {
            case .noSuchFileOrDirectory: reason = "no such file"
            case .tooManySymbolicLinkLevels: reason = "is a symbolic link, which is not followed"
            case .permissionDenied: reason = "cannot be read: permission denied"
            default: reason = "cannot be opened: \(error.errno)"
            }
            throw PipelineError(.open, file: path, reason: reason, errno: error.errno)
        }
        do {
            let identity = try FileSystem.identity(of: fd, path: path)
            guard identity.isRegular else {
                throw PipelineError(.open, file: path, reason: identity.isDirectory ? "is a folder, not an image file"
                                                                                  : "is not a regular file")
            }
            var hasher = SHA256()
            do { try fd.forEachChunk { hasher.update($0) } } catch let errno as Errno {
                throw PipelineError(.open, file: path, reason: "cannot be read: \(errno)", errno: errno)
            }
            self.identity = identity
            digest = hasher.finalizeHex()
        } catch let error as SystemError {
            try? fd.close()
            throw PipelineError(.open, file: path, reason: "cannot be read: \(error.errno)", errno: error.errno)
        } catch {
            try? fd.close()
            throw error
        }
        self.path = path
        name = (path as NSString).lastPathComponent
        descriptor = fd
    }

    deinit { try? descriptor.close() }
}
