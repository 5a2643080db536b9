import Foundation
import Platform
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Watches one folder with inotify on a thread of its own and reports, by name, what happened to the
/// files in it. It does not judge names or stability: the Settler does that.
final class InboxWatcher: @unchecked Sendable {
    enum Event: Sendable {
        /// Closed after writing, or moved in: the file may be complete.
        case maybeComplete(String)
        /// A name appeared. Only interesting for symlinks, FIFOs and devices, which are never
        /// "closed after writing".
        case created(String)
        /// Written to: still in progress.
        case modified(String)
        /// Gone from the inbox (deleted or moved away).
        case gone(String)
        /// A name that is not UTF-8 appeared (created, written or moved in).
        case undecodable(FileName)
        /// The kernel dropped events (IN_Q_OVERFLOW): list the folder again.
        case rescan
        /// The inbox itself was deleted or moved away; this watcher sees nothing more.
        case inboxLost
    }

    let folder: String
    private let inotify: Inotify
    private let handler: @Sendable (Event) -> Void
    /// A pipe whose write end wakes the reader thread so that stop() does not wait for an event.
    private let wake: (read: FileDescriptor, write: FileDescriptor)

    init(folder: String, handler: @escaping @Sendable (Event) -> Void) throws {
        self.folder = folder
        self.handler = handler
        // IN_ONLYDIR: refuse to watch if the inbox itself was replaced by a symlink to a file;
        // IN_DONT_FOLLOW: never watch what a symlinked inbox points to.
        inotify = try Inotify(watching: folder, mask: UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY
            | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW))
        do {
            let pipe = try FileDescriptor.pipe()
            wake = (pipe.readEnd, pipe.writeEnd)
        } catch let errno as Errno {
            throw SystemError("pipe", folder, errno)
        }
    }

    deinit {
        try? wake.read.close()
        try? wake.write.close()
    }

    func start() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "zsn2nd-inotify"
        thread.start()
    }

    /// Stops the reader thread (which holds the watcher until it returns).
    func stop() {
        _ = try? wake.write.writeAll([UInt8(1)])
    }

    private func readLoop() {
        while true {
            var fds = [pollfd(fd: inotify.descriptor.rawValue, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.read.rawValue, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 { if errno == EINTR { continue }; return }
            if fds[1].revents != 0 { return }
            guard let events = try? inotify.read() else { handler(.rescan); return }
            for event in events { dispatch(mask: event.mask, name: event.name) }
        }
    }

    private func dispatch(mask: UInt32, name entry: FileName) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 { handler(.rescan); return }
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 { handler(.inboxLost); return }
        if mask & UInt32(IN_IGNORED) != 0 { return }  // follows IN_DELETE_SELF
        guard !entry.bytes.isEmpty else { return }
        guard let name = entry.string else {
            if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) != 0 { handler(.undecodable(entry)) }
            return
        }
        if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 { handler(.maybeComplete(name)) }
        else if mask & UInt32(IN_MODIFY) != 0 { handler(.modified(name)) }
        else if mask & UInt32(IN_CREATE) != 0 { handler(.created(name)) }
        else if mask & UInt32(IN_MOVED_FROM | IN_DELETE) != 0 { handler(.gone(name)) }
    }
}
