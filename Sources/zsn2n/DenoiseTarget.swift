import ArgumentParser
import Foundation
import Imaging
import Platform

/// One file of a `zsn2n denoise` run: where it is read, and where its output (and sidecar) go.
struct DenoiseTarget: Equatable {
    var input: String
    var output: String
    var sidecar: String?
    var format: ImageSourceInfo.Format

    /// The image files the arguments name, in order: each file as given, each folder's image files
    /// (by extension, not hidden, not recursing), sorted by path. Missing paths are kept: they
    /// fail on their own, with their reason, without stopping the others. Names in a folder that
    /// are not UTF-8 cannot be opened by name here; they come back apart, escaped (%XX).
    static func expand(_ arguments: [String]) throws -> (files: [String], undecodable: [String]) {
        var files: [String] = [], undecodable: [String] = []
        for argument in arguments {
            guard let id = (try? FileSystem.identity(of: argument, followingSymlink: true)) ?? nil, id.isDirectory else {
                files.append(argument)
                continue
            }
            let listing: FolderListing
            do { listing = try FileSystem.listing(of: argument, extensions: ImageSourceInfo.Format.fileExtensions) } catch {
                throw ValidationError("\(argument): cannot list the folder: \(error)")
            }
            files += listing.names.map { FileSystem.join(argument, $0) }
            undecodable += listing.undecodable.map { FileSystem.join(argument, $0) }
        }
        var seen = Set<String>()
        return (files.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }, undecodable.sorted())
    }

    /// Where each input's output goes:
    /// - `output` (one input only): there;
    /// - `outputDirectory`: DIR/NAME and its sidecar DIR/NAME.json, as the daemon names them; two
    ///   inputs of one name get NAME, NAME-1, ... in the order given;
    /// - neither: beside the input, NAME.denoised.EXT.
    /// The output's format follows its extension; an extension that names no format is refused.
    static func plan(_ inputs: [String], output: String?, outputDirectory: String?, sidecar: String?) throws -> [DenoiseTarget] {
        var taken = Set<String>()
        return try inputs.map { input in
            let path: String
            var sidecarPath = sidecar
            if let output {
                path = output
            } else if let outputDirectory {
                let name = FileName.fitting((input as NSString).lastPathComponent, suffix: "-9999.json")
                var n = 0
                var candidate = name
                while taken.contains(candidate) {
                    n += 1
                    candidate = FileName.numbered(name, n)
                }
                taken.insert(candidate)
                path = FileSystem.join(outputDirectory, candidate)
                sidecarPath = path + ".json"
            } else {
                path = defaultOutput(for: input)
            }
            let ext = (path as NSString).pathExtension
            guard let format = ImageSourceInfo.Format(fileExtension: ext) else {
                throw ValidationError("\(path): cannot write '.\(ext)' files; the output must end in \(ImageSourceInfo.Format.fileExtensions.map { "." + $0 }.joined(separator: ", "))")
            }
            return DenoiseTarget(input: input, output: path, sidecar: sidecarPath, format: format)
        }
    }

    /// IN with `.denoised` before its extension (`.png` when it has none that names a format).
    static func defaultOutput(for input: String) -> String {
        let ns = input as NSString
        let ext = ns.pathExtension
        let folder = ns.deletingLastPathComponent, stem = (ns.lastPathComponent as NSString).deletingPathExtension
        let name = ImageSourceInfo.Format(fileExtension: ext) != nil ? stem + ".denoised." + ext : ns.lastPathComponent + ".denoised.png"
        return folder.isEmpty ? FileName.fitting(name) : FileSystem.join(folder, FileName.fitting(name))
    }
}
