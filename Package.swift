// swift-tools-version: 6.2
import PackageDescription

// The engine and the denoiser are built optimised even in debug builds: the tests train real
// networks, and an unoptimised convolution is a hundred times slower. haswell (AVX2 + FMA) is the
// floor the speed work assumes; every x86 server of the last decade has it.
let hotCode: [SwiftSetting] = [
    .unsafeFlags(["-O", "-enforce-exclusivity=unchecked", "-target-cpu", "haswell"]),
]
// The engine's SIMD kernels once more, for AVX-512 (F, CD, BW, DQ, VL): Sources/Kernels compiled a
// second time with sixteen-float vectors. Engine's CPUPath runs them only where the CPU has AVX-512F.
let avx512Code: [SwiftSetting] = [
    .unsafeFlags(["-O", "-enforce-exclusivity=unchecked", "-target-cpu", "skylake-avx512"]),
]

let package = Package(
    name: "zsn2n",
    products: [
        .executable(name: "zsn2n", targets: ["zsn2n"]),
        .executable(name: "zsn2nd", targets: ["zsn2nd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // The layering (command line > environment > file > default) only: the daemon's config
        // loader reads the YAML file (to name an unknown key's line) and the command line (whose
        // values may hold commas) itself, so none of the optional providers is needed.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: []),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C, only where C is needed: libpng/libjpeg report errors by longjmp, libtiff through
        // handlers and variadic calls; renameat2 is behind _GNU_SOURCE; libsystemd's journal and
        // notify calls.
        .target(name: "CCodecs", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"),
                                                  .linkedLibrary("tiff")]),
        .target(name: "CPlatform"),
        .target(name: "CSystemd", linkerSettings: [.linkedLibrary("systemd")]),
        // cpuid (through the compiler's __builtin_cpu_supports): which kernels the engine runs.
        .target(name: "CCPU"),

        // Layers, each importing only those above it in this list (docs/design.md, "Layout").
        // Platform: the POSIX calls (swift-system's FileDescriptor, Stat, Errno, and thin wrappers
        // where it has none), the one folder listing, the one atomic write and commit, the one
        // durable append with the results log that resumes from it, and the one JSON layout.
        .target(name: "Platform", dependencies: ["CPlatform", .product(name: "SystemPackage", package: "swift-system")]),
        // The engine: EngineCore (feature maps, tensors, the kernels' interface), the kernels
        // compiled twice from one source (Sources/Kernels, linked as Shared/ into both), and Engine
        // (the layers, the optimiser, the loops, the choice of kernels), which re-exports EngineCore.
        .target(name: "EngineCore", swiftSettings: hotCode),
        .target(name: "KernelsAVX2", dependencies: ["EngineCore"], swiftSettings: hotCode),
        .target(name: "KernelsAVX512", dependencies: ["EngineCore"], swiftSettings: avx512Code),
        .target(name: "Engine", dependencies: ["EngineCore", "KernelsAVX2", "KernelsAVX512", "CCPU"], swiftSettings: hotCode),
        .target(name: "Imaging", dependencies: ["CCodecs", "Engine", .product(name: "SystemPackage", package: "swift-system")],
                swiftSettings: hotCode),
        .target(name: "Denoiser", dependencies: ["Engine", "Imaging"], swiftSettings: hotCode),
        // One image file, start to finish: decode, measure, train, denoise, encode, sidecar.
        // `zsn2n denoise` and the daemon both run it as it is.
        .target(name: "Pipeline", dependencies: ["Platform", "Engine", "Imaging", "Denoiser",
                                               .product(name: "SystemPackage", package: "swift-system")]),
        // The sampler study (`zsn2n reproduce`): runs, tables, files, resume.
        .target(name: "Study", dependencies: ["Platform", "Engine", "Imaging", "Denoiser",
                                            .product(name: "SystemPackage", package: "swift-system")]),
        // The quality benchmark (`zsn2n evaluate`): methods x sets of image pairs through the
        // pipeline, rows resumed from the results CSV, means per set and method.
        .target(name: "Evaluation", dependencies: ["Platform", "Imaging", "Denoiser", "Pipeline"]),
        // The daemon only: watcher, settler, queue, ledger, outbox, journal, notify, config.
        .target(name: "Service", dependencies: [
            "CSystemd", "Platform", "Engine", "Imaging", "Denoiser", "Pipeline",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),

        .executableTarget(name: "zsn2n", dependencies: [
            "Platform", "Engine", "Imaging", "Denoiser", "Pipeline", "Study", "Evaluation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zsn2nd", dependencies: [
            "Service", "Pipeline",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // libFuzzer targets (scripts/fuzz.sh builds them with -sanitize=fuzzer,address and
        // -D FUZZING); in an ordinary build they replay files, for the suite's smoke run.
        .target(name: "FuzzReplay", dependencies: ["Platform"]),
        .executableTarget(name: "fuzz-decode", dependencies: ["Imaging", "FuzzReplay"]),
        .executableTarget(name: "fuzz-config", dependencies: ["Service", "FuzzReplay"]),

        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DenoiserTests", dependencies: ["Denoiser", "Platform"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Platform", "Imaging", "Denoiser"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Pipeline", "Platform", "Engine"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Denoiser", "Imaging", "Platform"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Pipeline", "Imaging", "Platform"]),
        .testTarget(name: "CLITests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
