// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "whistle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "whistle", targets: ["whistle"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/pointfreeco/swift-clocks.git", from: "1.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries, each behind one Swift file in the module that uses it.
        .systemLibrary(
            name: "CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CVips",
            // Compiled against vips.h (whose includes gio's flags cover) but not linked: see shim.h.
            pkgConfig: "gio-2.0",
            providers: [.apt(["libvips-dev"])]
        ),

        .systemLibrary(
            name: "CZbar",
            pkgConfig: "zbar",
            providers: [.apt(["libzbar-dev"])]
        ),

        // The domain: pure Swift, no I/O, imports nothing of ours.
        .target(name: "WhistleCore", swiftSettings: swiftSettings),

        .target(
            name: "WhistleStore",
            dependencies: [
                "WhistleCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                // The second backend (issue #15): several nodes on one PostgreSQL.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "WhistleQR", dependencies: ["WhistleCore", "CQREncode", "CCairo", "CPNG"], swiftSettings: swiftSettings),
        // Images in and out: residents' photos, patrol photos of plaques.
        .target(name: "WhistleImaging", dependencies: ["CVips", "CZbar"], swiftSettings: swiftSettings),
        .target(
            name: "WhistleDispatch",
            dependencies: [
                "WhistleCore",
                "WhistleStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The responder API's wire types, shared by the server and the CLI (no server code in it).
        .target(name: "WhistleAPI", swiftSettings: swiftSettings),
        .target(
            name: "WhistleServer",
            dependencies: [
                "WhistleAPI",
                "WhistleCore",
                "WhistleStore",
                "WhistleQR",
                "WhistleDispatch",
                "WhistleImaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates"), .copy("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "whistle",
            dependencies: [
                "WhistleCore",
                "WhistleImaging",
                "WhistleStore",
                "WhistleQR",
                "WhistleDispatch",
                "WhistleServer",
                "WhistleAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test helpers shared by several test targets (not shipped).
        .target(
            name: "WhistleTestSupport", dependencies: ["WhistleStore", "WhistleCore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/WhistleTestSupport", swiftSettings: swiftSettings
        ),
        .testTarget(name: "WhistleCoreTests", dependencies: ["WhistleCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WhistleStoreTests",
            dependencies: ["WhistleStore", "WhistleTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WhistleImagingTests", dependencies: ["WhistleImaging", "CCairo"], swiftSettings: swiftSettings),
        .testTarget(name: "WhistleQRTests", dependencies: ["WhistleQR", "WhistleCore", "CCairo"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WhistleDispatchTests",
            dependencies: [
                "WhistleDispatch", "WhistleStore", "WhistleCore", "WhistleTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WhistleServerTests",
            dependencies: [
                "WhistleServer",
                "WhistleStore",
                "WhistleCore",
                "WhistleImaging",
                "WhistleQR",
                "WhistleTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built `whistle` binary as a user would.
        .testTarget(
            name: "WhistleCLITests",
            dependencies: [
                "whistle", "WhistleStore", "WhistleImaging", "WhistleTestSupport", "CCairo",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings),
    ]
)
