// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "twilio-component",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ComponentRuntime", targets: ["ComponentRuntime"]),
        .library(name: "ComponentHost", targets: ["ComponentHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // C libraries
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),  // typed setopt/getinfo + macros

        // Runtime
        .target(
            name: "ComponentRuntime",
            dependencies: [
                "CYAML", "CCurl", "CCurlShims",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ComponentHost",
            dependencies: [
                "ComponentRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Build tools
        .executableTarget(name: "embed-manifest"),
        .plugin(name: "EmbedManifestPlugin", capability: .buildTool(), dependencies: ["embed-manifest"]),

        // Benchmarks
        .executableTarget(
            name: "manifest-bench",
            dependencies: ["ComponentRuntime", "CYAML"],
            path: "bench/manifest-bench"
        ),

        .executableTarget(
            name: "http-bench",
            dependencies: ["ComponentRuntime", "TestHTTPServer"],
            path: "bench/http-bench"
        ),

        // Tests
        .target(name: "TestHTTPServer", path: "Tests/TestHTTPServer"),
        .executableTarget(
            name: "fixture-component",
            dependencies: ["ComponentHost", "ComponentRuntime", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FixtureComponent",
            plugins: ["EmbedManifestPlugin"]
        ),
        .testTarget(
            name: "ComponentRuntimeTests",
            dependencies: ["ComponentRuntime", "TestHTTPServer", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ComponentHostTests",
            dependencies: ["ComponentHost", "ComponentRuntime", "fixture-component"]
        ),
    ]
)

for target in package.targets where target.type != .system && target.type != .plugin {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ])
    target.swiftSettings = settings
}
