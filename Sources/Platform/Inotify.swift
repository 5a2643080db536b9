import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// One inotify instance watching one folder (inotify_init1, inotify_add_watch, read): the events
/// by mask and name, nothing judged. swift-system has no inotify.
public final class Inotify: @unchecked Sendable {
    public struct Event: Sendable, Equatable {
        public var mask: UInt32
        /// The name inside the watched folder (bytes: it need not be UTF-8); empty for events
        /// about the folder itself.
        public var name: FileName
    }

    public let folder: String
    public let descriptor: FileDescriptor
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 8)

    public init(watching folder: String, mask: UInt32) throws {
        self.folder = folder
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw SystemError.last("inotify_init1", folder) }
        guard inotify_add_watch(fd, folder, mask) >= 0 else {
            let error = SystemError.last("inotify_add_watch", folder)
            close(fd)
            throw error
        }
        descriptor = FileDescriptor(rawValue: fd)
    }

    deinit {
        buffer.deallocate()
        try? descriptor.close()
    }

    /// The events one read returns (it blocks until there is at least one).
    public func read() throws -> [Event] {
        let n = try SystemError.attempt("read", folder) {
            try descriptor.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: 64 * 1024))
        }
        var events: [Event] = []
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= n {
            let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
            let start = (buffer + offset + header).assumingMemoryBound(to: UInt8.self)
            let length = event.len > 0 ? strnlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), Int(event.len)) : 0
            events.append(Event(mask: event.mask, name: FileName(bytes: Array(UnsafeBufferPointer(start: start, count: length)))))
            offset += header + Int(event.len)
        }
        return events
    }
}
