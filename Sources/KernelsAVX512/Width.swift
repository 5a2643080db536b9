import EngineCore

/// This module's vector: AVX-512's sixteen floats. The kernels (Shared/, a link to Sources/Kernels,
/// the same source as KernelsAVX2's) are written against `Vec` and `Suite`.
typealias Vec = SIMD16<Float>

/// The kernels compiled for skylake-avx512 (AVX-512 F, CD, BW, DQ, VL: Intel since Skylake-SP, AMD
/// since Zen 4). Run only where the CPU has AVX-512F (CPUPath).
public enum AVX512Kernels: KernelSuite {
    public static var lanes: Int { Vec.scalarCount }
}

typealias Suite = AVX512Kernels
