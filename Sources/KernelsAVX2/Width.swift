import EngineCore

/// This module's vector: AVX2's eight floats. The kernels (Shared/, a link to Sources/Kernels, the
/// same source as KernelsAVX512's) are written against `Vec`, `IntVec` and `Suite`.
typealias Vec = SIMD8<Float>
/// As many 32-bit integers (a comparison's mask of `Vec`, the patch search's candidate indices).
typealias IntVec = SIMD8<Int32>

/// The kernels compiled for haswell (AVX2 + FMA): the path of every x86 server of the last decade.
public enum AVX2Kernels: KernelSuite {
    public static var lanes: Int { Vec.scalarCount }
}

typealias Suite = AVX2Kernels
