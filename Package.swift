// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "twilio-component",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ComponentRuntime", targets: ["ComponentRuntime"]),
        .library(name: "ComponentHost", targets: ["ComponentHost"]),
        .library(name: "TwilioSandbox", targets: ["TwilioSandbox"]),
        .executable(name: "twilio-sandbox", targets: ["twilio-sandbox"]),
        .executable(name: "run-action", targets: ["run-action"]),
        .executable(name: "twilio-component", targets: ["twilio-component"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
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
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),

        // The Twilio component
        .target(
            name: "TwilioComponent",
            dependencies: [
                "ComponentRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedManifestPlugin"]
        ),

        // The local Twilio-compatible server
        .target(
            name: "TwilioSandbox",
            dependencies: [
                "ComponentRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "twilio-sandbox",
            dependencies: [
                "TwilioSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Executables: the Twilio component wired into the host front ends
        .target(
            name: "TwilioHost",
            dependencies: ["ComponentHost", "ComponentRuntime", "TwilioComponent"]
        ),
        .target(name: "TwilioInProcessSandbox", dependencies: ["TwilioHost", "TwilioSandbox"]),
        .executableTarget(name: "run-action", dependencies: ["ComponentHost", "TwilioHost", "TwilioInProcessSandbox"]),
        .executableTarget(name: "twilio-component", dependencies: ["ComponentHost", "TwilioHost"]),

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
            name: "webhook-bench",
            dependencies: ["TwilioComponent", "ComponentRuntime"],
            path: "bench/webhook-bench"
        ),
        .executableTarget(
            name: "http-bench",
            dependencies: ["ComponentRuntime", "TestSupport"],
            path: "bench/http-bench"
        ),

        // Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .executableTarget(
            name: "fixture-component",
            dependencies: ["ComponentHost", "ComponentRuntime", .product(name: "Logging", package: "swift-log")],
            path: "Tests/FixtureComponent",
            plugins: ["EmbedManifestPlugin"]
        ),
        .testTarget(
            name: "ComponentRuntimeTests",
            dependencies: ["ComponentRuntime", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "TwilioSandboxTests",
            dependencies: ["TwilioSandbox", "ComponentRuntime", "TestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TwilioComponentTests",
            dependencies: [
                "TwilioComponent", "TwilioHost", "TwilioInProcessSandbox", "TwilioSandbox", "ComponentHost", "ComponentRuntime", "TestSupport", "run-action",
                "twilio-component", "twilio-sandbox", "fixture-component",
                .product(name: "Logging", package: "swift-log"),
                // The HTTPS webhook receiver (Support/TLSReceiver.swift), on the sandbox's server stack.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "ComponentHostTests",
            dependencies: ["ComponentHost", "ComponentRuntime", "TestSupport", "fixture-component"]
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

// libFuzzer targets (`make fuzz`, see Fuzz/README.md): only with TWILIO_FUZZ=1, built into their
// own scratch path, with the fuzzer's coverage and AddressSanitizer on the code under test.
if Context.environment["TWILIO_FUZZ"] == "1" {
    let sanitizers = ["-sanitize=fuzzer,address"]
    // Optimized, so that 100,000 inputs run in a minute or two; the checks stay on.
    for target in package.targets where ["ComponentRuntime", "ComponentHost", "TwilioComponent"].contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers + ["-O"])]
    }
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("fuzz-manifest", ["ComponentRuntime"]),
        ("fuzz-inputs", ["ComponentRuntime", "TwilioComponent"]),
        ("fuzz-webhook", ["ComponentRuntime", "TwilioComponent", .product(name: "Logging", package: "swift-log")]),  // @testable: debug only
        ("fuzz-serve-line", ["ComponentHost", "ComponentRuntime"]),
    ]
    package.targets.append(.target(name: "FuzzerDriver", path: "Fuzz/FuzzerDriver"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(.executableTarget(
            name: name, dependencies: dependencies + ["FuzzerDriver"], path: "Fuzz/\(name)",
            swiftSettings: [.unsafeFlags(sanitizers + ["-O", "-parse-as-library"])],
            linkerSettings: [.unsafeFlags(sanitizers)]))
    }
}
