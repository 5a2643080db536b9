import Foundation
import FuzzReplay
import Imaging

/// libFuzzer target: the PNG, JPEG and TIFF decoders, through the C shim (libpng and libjpeg
/// with their setjmp error paths, libtiff with its per-handle error handlers, strips, tiles and
/// planes) and the Swift decoder above it (header checks, the pixel limit, strips, float ranges).
/// Every input must end in an image or an ImageError; a crash or a sanitizer report is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    if let header = try? ImageIO.decodeHeader(bytes, name: "fuzz") {
        precondition(header.width > 0 && header.height > 0, "a header with an empty image was accepted")
    }
    // A small pixel limit keeps each run fast; bombs inside it are decoded for real.
    if let (image, _) = try? ImageIO.decode(bytes, name: "fuzz", maxPixels: 1 << 22) {
        precondition(image.pixels.count == image.width * image.height * image.channels)
        precondition(image.pixels.allSatisfy { $0 >= 0 && $0 <= 1 }, "a decoded sample outside [0, 1]")
    }
    return 0
}

@main struct FuzzDecodeMain {
    static func main() { FuzzMain.run(fuzzDecode) }
}
