import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Watches one folder with inotify on a thread of its own and reports, by name, what happened to the
/// files in it. It does not judge names or stability: the Settler does that.
final class InboxWatcher: @unchecked Sendable {
    enum Event: Sendable {
        /// Closed after writing, or moved in: the file may be complete.
        case maybeComplete(String)
        /// A name appeared. Only interesting for symlinks, which are never "closed after writing".
        case created(String)
        /// Written to: still in progress.
        case modified(String)
        /// Gone from the inbox (deleted or moved away).
        case gone(String)
        /// The kernel dropped events (IN_Q_OVERFLOW): list the folder again.
        case rescan
        /// The inbox itself was deleted or moved away; this watcher sees nothing more.
        case inboxLost
    }

    let folder: String
    private let fd: Int32
    private let handler: @Sendable (Event) -> Void
    private var thread: Thread?
    /// A pipe whose write end wakes the reader thread so that stop() does not wait for an event.
    private var wakePipe: [Int32] = [-1, -1]

    init(folder: String, handler: @escaping @Sendable (Event) -> Void) throws {
        self.folder = folder
        self.handler = handler
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw SystemError.last("inotify_init1", folder) }
        // IN_ONLYDIR: refuse to watch if the inbox itself was replaced by a symlink to a file;
        // IN_DONT_FOLLOW: never watch what a symlinked inbox points to.
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_MOVED_FROM | IN_DELETE
            | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
        guard inotify_add_watch(fd, folder, mask) >= 0 else {
            let error = SystemError.last("inotify_add_watch", folder)
            close(fd)
            throw error
        }
        guard pipe(&wakePipe) == 0 else {
            close(fd)
            throw SystemError.last("pipe", folder)
        }
    }

    func start() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "zsn2nd-inotify"
        self.thread = thread
        thread.start()
    }

    /// Stops the reader thread; the descriptors are closed by the thread on its way out.
    func stop() {
        var byte: UInt8 = 1
        _ = write(wakePipe[1], &byte, 1)
    }

    private func readLoop() {
        defer {
            close(fd)
            close(wakePipe[0])
            close(wakePipe[1])
        }
        // Large enough for many events; each is a 16-byte header plus a NUL-padded name.
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 { if errno == EINTR { continue }; return }
            if fds[1].revents != 0 { return }
            let n = read(fd, buffer, capacity)
            if n < 0 { if errno == EINTR || errno == EAGAIN { continue }; handler(.rescan); return }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = buffer + offset + MemoryLayout<inotify_event>.size
                let name = event.len > 0
                    ? String(cString: nameStart.assumingMemoryBound(to: CChar.self)) : ""
                dispatch(mask: event.mask, name: name)
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
    }

    private func dispatch(mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { handler(.rescan); return }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 { handler(.inboxLost); return }
        if mask & UInt32(IN_IGNORED) != 0 { return }  // follows IN_DELETE_SELF
        guard !name.isEmpty else { return }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 { handler(.maybeComplete(name)) }
        else if mask & UInt32(IN_MODIFY) != 0 { handler(.modified(name)) }
        else if mask & UInt32(IN_CREATE) != 0 { handler(.created(name)) }
        else if mask & UInt32(IN_MOVED_FROM | IN_DELETE) != 0 { handler(.gone(name)) }
    }
}
