#if canImport(Glibc)
import Glibc
#endif

/// The lock of an output folder, held until released.
final class FolderLock {
    private var fd: Int32
    init(fd: Int32) { self.fd = fd }
    func release() {
        guard fd >= 0 else { return }
        close(fd)  // closing the only descriptor drops the flock
        fd = -1
    }
    deinit { release() }
}
