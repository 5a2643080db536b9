import Imaging
import SystemPackage

/// A denoised image, not yet written anywhere, and what its sidecar says.
public struct DenoisedImage: Sendable {
    /// How the output is written: in `format` (by default the input's), at the deepest integer
    /// depth both formats write, up to the input's (`Format.outputDepth(from:)`, from the formats'
    /// traits): 16 bits when a 16-bit PNG or TIFF, or a 32-bit float TIFF, is written as PNG or
    /// TIFF, else 8 (1/2/4-bit PNGs are written at 8: processed values no longer sit on their
    /// coarse grid; JPEG is 8-bit).
    public struct Encoding: Sendable, Equatable {
        public var format: ImageSourceInfo.Format
        public var bitDepth: Int
        public var jpegQuality: Int

        public init(source: ImageSourceInfo, format: ImageSourceInfo.Format? = nil, jpegQuality: Int) {
            self.format = format ?? source.format
            bitDepth = self.format.outputDepth(from: source)
            self.jpegQuality = jpegQuality
        }
    }

    public let image: Image
    public let encoding: Encoding
    /// The input's format, depth, ICC profile and EXIF, which the output carries.
    public let source: ImageSourceInfo
    /// How the summary line names the method on this image (`MethodReport.headline`).
    public let headline: String
    /// The job's engine loops that found its threads busy and ran on Dispatch: 0 unless its
    /// threads were shared with another job (`Parallel.loopsOnDispatch`).
    public let loopsOnDispatch: Int
    /// The sidecar but for the output's name, which only the writer knows.
    let sidecarDraft: Sidecar

    /// The sidecar for the output written as `outputFile`.
    public func sidecar(outputFile: String) -> Sidecar {
        var document = sidecarDraft
        document.output.file = outputFile
        return document
    }

    /// Encodes the image to `path` (the caller's temporary name); `PipelineError` (stage write)
    /// names `displayName`, the file as the user will know it.
    public func write(to path: String, displayName: String) throws {
        do {
            try ImageIO.write(image, to: path, format: encoding.format, bitDepth: encoding.bitDepth,
                              jpegQuality: encoding.jpegQuality, iccProfile: source.iccProfile, exif: source.exif)
        } catch let error as ImageError {
            throw PipelineError(.write, file: displayName, reason: error.reason,
                                errno: error.systemErrno == 0 ? nil : Errno(rawValue: error.systemErrno))
        }
    }
}
