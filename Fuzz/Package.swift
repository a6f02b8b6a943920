// swift-tools-version:6.1
import PackageDescription

// A libFuzzer harness for `MessageReader.read`, kept out of the main package so
// its instrumented build never touches the main `.build` and never reaches CI.
//
// The main package's library targets are not products, so a path dependency on
// it could not import DeskMail. Instead `Sources/DeskCore` and `Sources/DeskMail`
// are symlinks to the real sources, compiled here as this package's own targets:
// the fuzzer always reads exactly the code in the working tree.
//
// Build it through `Fuzz/run`, which adds `--sanitize fuzzer --sanitize address`.
let package = Package(
    name: "DeskFuzz",
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
        .executableTarget(
            name: "MessageReaderFuzzer",
            dependencies: ["DeskMail"]
        ),
    ]
)
