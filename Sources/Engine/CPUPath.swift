@_exported import EngineCore
import CCPU
import Foundation
import KernelsAVX2
import KernelsAVX512

/// The instruction set the engine's kernels run on: AVX-512 where the CPU has AVX-512F, AVX2 + FMA
/// otherwise (the build's floor). Chosen once per process, at the first layer built, and named
/// by `zsn2n bench` and in every sidecar.
///
/// `ZSN2N_CPU=avx2` forces the AVX2 path on an AVX-512 machine, so that one machine tests both;
/// `ZSN2N_CPU=avx512` insists on AVX-512 and stops the program where the CPU has none.
public enum CPUPath: String, Sendable, CaseIterable {
    case avx2
    case avx512

    public static let environmentVariable = "ZSN2N_CPU"

    /// The path of this process.
    public static let current: CPUPath = {
        do {
            return try resolve(requested: ProcessInfo.processInfo.environment[environmentVariable],
                               hasAVX512: cpuHasAVX512)
        } catch {
            fatalError("\(error)")
        }
    }()

    /// True when this CPU has AVX-512F and the operating system saves its registers.
    public static var cpuHasAVX512: Bool { zsn2n_cpu_has_avx512f() != 0 }

    /// The path for a request (nil or empty: the best the CPU has).
    public static func resolve(requested: String?, hasAVX512: Bool) throws -> CPUPath {
        guard let requested, !requested.isEmpty else { return hasAVX512 ? .avx512 : .avx2 }
        guard let path = CPUPath(rawValue: requested) else {
            throw CPUPathError("\(environmentVariable)=\(requested): expected avx2 or avx512")
        }
        if path == .avx512 && !hasAVX512 {
            throw CPUPathError("\(environmentVariable)=avx512, but this CPU has no AVX-512F")
        }
        return path
    }

    /// The kernels compiled for this path.
    public var kernels: any KernelSuite.Type {
        switch self {
        case .avx2: AVX2Kernels.self
        case .avx512: AVX512Kernels.self
        }
    }
}

public struct CPUPathError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
