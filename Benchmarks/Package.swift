// swift-tools-version:6.1
import PackageDescription

// `desk-bench`: how fast `MessageReader.read` reads real mail, measured against
// Python's `email` package in the same run (see Benchmarks/README.md).
//
// A separate package so its release build never touches the main `.build`.
// The main package's library targets are not products, so a path dependency
// could not import DeskMail; `Sources/DeskCore` and `Sources/DeskMail` are
// symlinks to the real sources, compiled here as this package's own targets.
let package = Package(
    name: "DeskBenchmarks",
    products: [
        .executable(name: "desk-bench", targets: ["DeskBench"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2")
    ],
    targets: [
        .target(name: "DeskCore"),
        // Keep in step with DeskMail's dependencies in the main Package.swift.
        .target(
            name: "DeskMail",
            dependencies: ["DeskCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(name: "DeskBench", dependencies: ["DeskMail"]),
    ]
)
