// swift-tools-version: 6.2
import PackageDescription

// The engine and the denoiser are built optimised even in debug builds: the tests train real
// networks, and an unoptimised convolution is a hundred times slower. haswell (AVX2 + FMA) is the
// floor the speed work assumes; every x86 server of the last decade has it.
let hotCode: [SwiftSetting] = [
    .unsafeFlags(["-O", "-enforce-exclusivity=unchecked", "-target-cpu", "haswell"]),
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
        // The layering (command line > environment > file > default) only: the daemon's config
        // loader reads the YAML file (to name an unknown key's line) and the command line (whose
        // values may hold commas) itself, so none of the optional providers is needed.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: []),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C, only where C is needed: libpng/libjpeg report errors by longjmp.
        .target(name: "CCodecs", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
        // libsystemd: sd_journal_sendv, sd_notify.
        .target(name: "CSystemd", linkerSettings: [.linkedLibrary("systemd")]),

        // Layers, each importing only those above it in this list.
        .target(name: "Engine", swiftSettings: hotCode),
        .target(name: "Imaging", dependencies: ["CCodecs", "Engine"], swiftSettings: hotCode),
        .target(name: "Denoiser", dependencies: ["Engine", "Imaging"], swiftSettings: hotCode),
        .target(name: "Service", dependencies: [
            "CSystemd", "Engine", "Imaging", "Denoiser",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The sampler study (`zsn2n reproduce`): runs, tables, files, resume.
        .target(name: "Study", dependencies: ["Engine", "Imaging", "Denoiser"]),

        .executableTarget(name: "zsn2n", dependencies: [
            "Engine", "Imaging", "Denoiser", "Service", "Study",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "zsn2nd", dependencies: [
            "Service",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DenoiserTests", dependencies: ["Denoiser", "Imaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ServiceTests", dependencies: ["Service", "Engine"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Denoiser", "Imaging"]),
        .testTarget(name: "CLITests", dependencies: ["Imaging"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
