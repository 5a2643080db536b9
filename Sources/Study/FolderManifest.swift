import Denoiser

/// settings.json: what fixes the result of a run beyond its key.
struct FolderManifest: Codable, Equatable {
    struct ImageEntry: Codable, Equatable {
        var name: String
        var fingerprint: String
    }
    var schema = "zsn2n.study-folder/1"
    var plan: TrainingPlan
    var curveEvery: Int
    var images: [ImageEntry]

    init(_ settings: StudySettings) {
        plan = settings.plan
        curveEvery = settings.curveEvery
        images = settings.images.map { ImageEntry(name: $0.name, fingerprint: $0.fingerprint) }
    }

    /// This manifest with `other`'s new images added; an error when `other` cannot share the folder.
    func merging(_ other: FolderManifest, folder: String) throws -> FolderManifest {
        guard schema == other.schema else {
            throw StudyError("\(folder) holds a study of another format (\(schema)); choose another --out")
        }
        guard plan == other.plan, curveEvery == other.curveEvery else {
            throw StudyError("\(folder) holds runs of another training plan (\(FolderManifest.describe(plan, curveEvery))); this study asks for \(FolderManifest.describe(other.plan, other.curveEvery)). Choose another --out, or delete the folder to start afresh")
        }
        var merged = self
        for image in other.images {
            if let old = images.first(where: { $0.name == image.name }) {
                guard old.fingerprint == image.fingerprint else {
                    throw StudyError("\(folder) holds runs of another image named \(image.name) (its pixels differ: another file or another --crop). Choose another --out, or rename the image")
                }
            } else {
                merged.images.append(image)
            }
        }
        return merged
    }

    static func describe(_ plan: TrainingPlan, _ curveEvery: Int) -> String {
        let crop = plan.crop.map { "random \($0)x\($0) crops" } ?? "the whole image"
        return "\(plan.iterations) iterations, lr \(plan.learningRate) x\(plan.gamma) every \(plan.stepSize), \(crop), PSNR every \(curveEvery)"
    }
}
