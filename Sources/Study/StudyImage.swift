import Foundation
import Imaging
import Platform

/// A clean image the study adds noise to, known by its name (the file name without extension),
/// which also names its output folder and feeds the noise seed.
public struct StudyImage: Sendable {
    public var name: String
    public var file: String
    /// Colour only: an alpha channel plays no part in the study and is dropped.
    public var image: Image
    /// FNV-1a 64 of the (cropped) pixels' bits, in hex: how a resumed study knows an image of the
    /// same name is still the same image.
    public var fingerprint: String

    public init(name: String, file: String, image: Image) {
        self.name = name
        self.file = file
        self.image = Image(width: image.width, height: image.height, channels: image.channels, pixels: image.pixels)
        fingerprint = StudyImage.fingerprint(of: image.pixels, width: image.width, height: image.height,
                                             channels: image.channels)
    }

    /// Reads `path`, cut to its centre `crop` x `crop` pixels when `crop` is given.
    public static func load(_ path: String, crop: Int? = nil) throws -> StudyImage {
        var (image, _) = try ImageIO.read(path)
        if let crop {
            guard crop >= 1, crop <= image.width, crop <= image.height else {
                throw StudyError("\(path): a \(crop)x\(crop) crop does not fit in the \(image.width)x\(image.height) image")
            }
            image = image.centreCrop(crop)
        }
        let url = URL(fileURLWithPath: path)
        return StudyImage(name: url.deletingPathExtension().lastPathComponent, file: url.lastPathComponent, image: image)
    }

    /// The image files of a folder (by extension, in any case: `ImageSourceInfo.Format(fileExtension:)`), sorted by name; a file
    /// stays as it is. Hidden files are skipped.
    public static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            guard let id = (try? FileSystem.identity(of: path, followingSymlink: true)) ?? nil else {
                throw StudyError("\(path): no such file or folder")
            }
            guard id.isDirectory else { files.append(path); continue }
            let listing: FolderListing
            do { listing = try FileSystem.listing(of: path, extensions: ImageSourceInfo.Format.fileExtensions) } catch {
                throw StudyError("\(path): cannot list the folder: \(error)")
            }
            if let name = listing.undecodable.first {
                throw StudyError("\(FileSystem.join(path, name)): the file name is not valid UTF-8 (shown with those bytes as %XX); rename it")
            }
            guard !listing.names.isEmpty else { throw StudyError("\(path): no \(ImageSourceInfo.Format.extensionsListed("or")) file in this folder") }
            files += listing.names.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
        }
        return files
    }

    static func fingerprint(of pixels: [Float], width: Int, height: Int, channels: Int) -> String {
        var hash = FNV1a()
        for v in [width, height, channels] { hash.add(UInt64(v)) }
        for v in pixels { hash.add(UInt64(v.bitPattern)) }
        return String(hash.value, radix: 16)
    }
}
