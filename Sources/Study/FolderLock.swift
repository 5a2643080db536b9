import SystemPackage

/// The lock of an output folder (flock on OUT/.lock), held until released.
final class FolderLock {
    private var descriptor: FileDescriptor?
    init(descriptor: FileDescriptor) { self.descriptor = descriptor }
    func release() {
        try? descriptor?.close()  // closing the only descriptor drops the flock
        descriptor = nil
    }
    deinit { release() }
}
