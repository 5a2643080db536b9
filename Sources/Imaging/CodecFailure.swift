import CCodecs

/// Turns the C shim's status codes and library messages into `ImageError` reasons a user
/// understands, and words the pixel-limit refusal.
enum CodecFailure {
    static func reading(_ status: cc_status, format: ImageSourceInfo.Format?, file: String) -> ImageError {
        let message = status.text
        // While opening, the shim says which format it recognised, if any.
        let kind = (format ?? ImageSourceInfo.Format(shimFormat: status.format))?.displayName ?? "image"
        let reason: String
        switch cc_code(UInt32(status.code)) {
        case CC_ERR_OPEN: reason = "cannot open: \(message)"
        case CC_ERR_IO: reason = "cannot read: \(message)"
        case CC_ERR_EMPTY: reason = "empty file (0 bytes), not a \(ImageSourceInfo.Format.listed("or")) file"
        case CC_ERR_NOT_IMAGE: reason = "not a \(ImageSourceInfo.Format.listed("or")) file"
        case CC_ERR_TRUNCATED_SIGNATURE: reason = "truncated \(kind): the \(message)"
        case CC_ERR_CORRUPT: reason = "truncated or corrupt \(kind): \(message)"
        case CC_ERR_UNSUPPORTED: reason = "unsupported \(kind): \(message)"
        case CC_ERR_NO_MEMORY: reason = "out of memory decoding the \(kind): \(message)"
        default: reason = "internal error decoding the \(kind): \(message)"
        }
        return ImageError(file: file, reason: reason, systemErrno: status.sys_errno)
    }

    static func writing(_ status: cc_status, format: ImageSourceInfo.Format, file: String) -> ImageError {
        let message = status.text
        let kind = format.displayName
        let reason: String
        switch cc_code(UInt32(status.code)) {
        case CC_ERR_OPEN: reason = "cannot create: \(message)"
        case CC_ERR_IO: reason = "cannot write: \(message)"
        case CC_ERR_NO_MEMORY: reason = "out of memory encoding the \(kind): \(message)"
        case CC_ERR_USAGE: reason = "cannot write this image as \(kind): \(message)"
        default: reason = "\(kind) encoder failed: \(message)"
        }
        return ImageError(file: file, reason: reason, systemErrno: status.sys_errno)
    }
}

extension cc_status {
    /// The NUL-terminated message.
    var text: String {
        withUnsafeBytes(of: message) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
