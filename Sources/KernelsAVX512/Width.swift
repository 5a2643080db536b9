import EngineCore

/// This module's vector: AVX-512's sixteen floats. The kernels (Shared/, a link to Sources/Kernels,
/// the same source as KernelsAVX2's) are written against `Vec`, `IntVec` and `Suite`.
typealias Vec = SIMD16<Float>
/// As many 32-bit integers (a comparison's mask of `Vec`, the patch search's candidate indices).
typealias IntVec = SIMD16<Int32>

/// The kernels compiled for skylake-avx512 (AVX-512 F, CD, BW, DQ, VL: Intel since Skylake-SP, AMD
/// since Zen 4). Run only where the CPU has AVX-512F (CPUPath).
public enum AVX512Kernels: KernelSuite {
    public static var lanes: Int { Vec.scalarCount }
}

typealias Suite = AVX512Kernels
