// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "winimg",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "winimg", targets: ["winimg"]),
        .library(name: "OCIModel", targets: ["OCIModel"]),
        .library(name: "LayerBuilder", targets: ["LayerBuilder"]),
        .library(name: "RegistryClient", targets: ["RegistryClient"]),
        .library(name: "ImageBuild", targets: ["ImageBuild"]),
        .library(name: "ImageCheck", targets: ["ImageCheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries, installed with apt (see .ci/run).
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate", pkgConfig: "libdeflate",
                       providers: [.apt(["libdeflate-dev"])]),

        // Pure model: digests, media types, descriptors, platforms, manifests, references, releases.
        .target(name: "OCIModel"),
        // Tar/PAX writing, Windows layer format, gzip and zstd, digesting; layer reading for checks.
        .target(name: "LayerBuilder", dependencies: ["OCIModel", "CCrypto", "CZlib", "CArchive", "CZstd", "CDeflate"]),
        // Distribution-spec client, auth, OCI image layout; sources and destinations.
        .target(name: "RegistryClient", dependencies: [
            "OCIModel", "LayerBuilder",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Build planning: spec, platform/base resolution, composition, push, index.
        .target(name: "ImageBuild", dependencies: [
            "OCIModel", "LayerBuilder", "RegistryClient",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Will it run: containerd's entry selection, host/image verdicts, k8s nodes, image inspection.
        .target(name: "ImageCheck", dependencies: ["OCIModel", "LayerBuilder", "RegistryClient", "ImageBuild"]),
        .executableTarget(name: "winimg", dependencies: [
            "ImageBuild", "ImageCheck", "OCIModel", "RegistryClient",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Issue 4 benchmarks (not run by CI): swift run -c release winimg-bench --suite all
        // (TestSupport starts the real registry for P2/P3.)
        .executableTarget(name: "winimg-bench", dependencies: ["LayerBuilder", "OCIModel", "TestSupport"],
                          path: "Benchmarks/winimg-bench"),

        .target(name: "TestSupport", dependencies: [
            "OCIModel", "LayerBuilder", "RegistryClient",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "OCIModelTests", dependencies: ["OCIModel", "TestSupport"]),
        .testTarget(name: "LayerBuilderTests", dependencies: ["LayerBuilder", "OCIModel", "TestSupport"]),
        .testTarget(name: "RegistryClientTests", dependencies: ["RegistryClient", "OCIModel", "LayerBuilder", "TestSupport"]),
        .testTarget(name: "ImageBuildTests", dependencies: [
            "ImageBuild", "OCIModel", "LayerBuilder", "RegistryClient", "TestSupport",
            .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "ImageCheckTests", dependencies: ["ImageCheck", "OCIModel", "LayerBuilder", "RegistryClient", "ImageBuild", "TestSupport"]),
    ]
)
