// swift-tools-version:6.1
import PackageDescription

// One library target per step a message takes (see docs/ARCHITECTURE.md);
// each depends only on the steps before it. The executables stay thin.
let package = Package(
    name: "CompetencyDesk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "competencyd", targets: ["competencyd"]),
        .executable(name: "competency", targets: ["competency"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Domain types and pure rules: dates, business calendars, holiday rules, SLA arithmetic.
        .target(name: "DeskCore"),
        // Config files → validated tenant settings, with errors that name file, line and key.
        .target(
            name: "DeskConfig",
            dependencies: [
                "DeskCore", "DeskOutgoing", .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // Bytes → parsed message (headers, RFC 2047 words, charsets). No file or database access.
        .target(
            name: "DeskMail",
            dependencies: ["DeskCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Attachment bytes → SelfAssessment (YAML, JSON, CSV, XLSX), with problems located. Pure.
        .target(
            name: "DeskDocuments",
            dependencies: [
                "DeskCore", .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // SQLite per tenant: migrations, submissions, events, notes.
        .target(
            name: "DeskStore",
            dependencies: ["DeskCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Watching, claiming, archiving and quarantining inbox files (inotify, durable renames).
        .target(
            name: "DeskInbox",
            dependencies: ["DeskCore", .product(name: "Logging", package: "swift-log")]
        ),
        // Outgoing mail: composing RFC 5322 + MIME messages, and the transports
        // (the Outbox Maildir, a sendmail-compatible program). No database access.
        .target(
            name: "DeskOutgoing",
            dependencies: [
                "DeskCore", "DeskMail", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Ingest pipeline, queue and reports, the daemon's services.
        .target(
            name: "DeskServices",
            dependencies: [
                "DeskCore", "DeskConfig", "DeskMail", "DeskDocuments", "DeskStore", "DeskInbox", "DeskOutgoing",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "competencyd",
            dependencies: [
                "DeskServices", "DeskConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "competency",
            dependencies: [
                "DeskServices", "DeskConfig", "DeskCore", "DeskInbox", "DeskDocuments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared test helpers: temporary roots, fixture builders, process runners.
        .target(name: "DeskTesting", dependencies: ["DeskCore", "DeskConfig"], path: "Sources/DeskTesting"),

        .testTarget(name: "DeskCoreTests", dependencies: ["DeskCore", "DeskTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DeskMailTests", dependencies: ["DeskMail", "DeskTesting"]),
        .testTarget(
            name: "DeskDocumentsTests",
            dependencies: [
                "DeskDocuments", "DeskTesting", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(
            name: "DeskConfigTests",
            dependencies: ["DeskConfig", "DeskTesting", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "DeskStoreTests",
            dependencies: ["DeskStore", "DeskCore", "DeskTesting", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "DeskInboxTests", dependencies: ["DeskInbox", "DeskTesting"]),
        .testTarget(name: "DeskOutgoingTests", dependencies: ["DeskOutgoing", "DeskMail", "DeskTesting"]),
        .testTarget(
            name: "EndToEndTests",
            // The executables are dependencies so `swift test` builds them before running them.
            dependencies: [
                "DeskTesting", "DeskServices", "DeskConfig", "DeskDocuments", "DeskStore", "competencyd", "competency",
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
