#if canImport(Glibc)
import Glibc
#endif

/// The daemon hashes inputs through the descriptor it opened with O_NOFOLLOW (the bytes it checked
/// are the bytes it fingerprints), to recognise work it already committed.
extension SHA256 {
    /// The hex digest of everything readable from `fd` (from its current offset to the end).
    static func hex(ofDescriptor fd: Int32, path: String) throws -> String {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw SystemError.last("read", path) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalizeHex()
    }

    static func hex(of bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }
}
