// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "courtyard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "courtyard", targets: ["courtyard"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(name: "CourtyardDomain", swiftSettings: strict),
        .target(
            name: "CourtyardSheets",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict),
        .target(
            name: "CourtyardStore",
            dependencies: [
                "CourtyardDomain",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "CourtyardServer",
            dependencies: [
                "CourtyardDomain", "CourtyardStore", "CourtyardSheets",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                .process("Accounts/Views"),
                .process("Home/Views"),
                .process("App/Views"),
                .process("Coordination/Views"),
                .process("Participation/Views"),
                .process("Programme/Views"),
                .process("Safety/Views"),
                .process("Registry/Views"),
                .process("Investment/Views"),
                .process("Stewards/Views"),
                .process("Zones/Views"),
                .process("Events/Views"),
            ],
            swiftSettings: strict),
        .target(
            name: "CourtyardDemo",
            dependencies: [
                "CourtyardDomain", "CourtyardStore", "CourtyardServer",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ],
            swiftSettings: strict),
        // The benchmark's ceiling: bare Hummingbird and SQLite, beside which the compound read is measured.
        .executableTarget(
            name: "courtyard-ceiling",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
            ],
            path: "Benchmarks/Ceiling", swiftSettings: strict),
        .target(name: "CourtyardTestSupport", dependencies: ["CourtyardStore"], swiftSettings: strict),
        .executableTarget(
            name: "courtyard",
            dependencies: [
                "CourtyardServer", "CourtyardDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CourtyardDomainTests", dependencies: ["CourtyardDomain", "CourtyardSheets", "CourtyardDemo"],
            swiftSettings: strict),
        .testTarget(
            name: "CourtyardStoreTests", dependencies: ["CourtyardStore", "CourtyardTestSupport"], swiftSettings: strict
        ),
        .testTarget(
            name: "CourtyardServerTests",
            dependencies: [
                "CourtyardServer", "CourtyardTestSupport", "CourtyardSheets", "CourtyardDemo",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
    ]
)
