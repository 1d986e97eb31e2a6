// swift-tools-version:6.2
import PackageDescription

// Subprocess, and the `FilePath` its API takes: swift-system on Linux, the SDK's System on Apple platforms.
let subprocess: [Target.Dependency] = [
    .product(name: "Subprocess", package: "swift-subprocess"),
    .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
]

let package = Package(
    name: "twilio-component",
    platforms: [.macOS(.v15)],
    products: [
        // The kit a component's own package builds on (docs/writing-a-component.md): ComponentKit
        // re-exports the runtime's layers (Sources/ComponentKit/Exports.swift); ComponentTesting runs
        // a component in-process and serves HTTP on loopback; the plugin embeds its manifest.
        .library(name: "ComponentKit", targets: ["ComponentKit"]),
        .library(name: "ComponentTesting", targets: ["ComponentTesting"]),
        .plugin(name: "EmbedManifestPlugin", targets: ["EmbedManifestPlugin"]),
        .library(name: "ComponentRuntime", targets: ["ComponentRuntime"]),
        .library(name: "ComponentHost", targets: ["ComponentHost"]),
        .library(name: "TwilioSandbox", targets: ["TwilioSandbox"]),
        .executable(name: "twilio-sandbox", targets: ["twilio-sandbox"]),
        .executable(name: "run-action", targets: ["run-action"]),
        .executable(name: "twilio-component", targets: ["twilio-component"]),
        .executable(name: "twilio-mcp", targets: ["twilio-mcp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),  // 4.x: no Foundation (3.x imports it)
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
        // Without its default trait SubprocessFoundation, which imports Foundation.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShims", dependencies: ["CCurl"]),  // typed setopt/getinfo + macros

        // Runtime, in layers; each arrow points down only.
        //   ComponentCore (JSON, Secret, ISO 8601, suggestions) and ComponentYAML (libyaml; no JSON): nothing of ours
        //   ComponentManifest (model, decoding, value rules, validation, diagnostics; no I/O) → Core, YAML
        //   ComponentHTTP (libcurl client, retry policy; knows no manifest) → Core
        //   ComponentRuntime (inputs, connections, errors, invocation, export, docs, manifest files) → all four
        .target(name: "ComponentCore"),
        .target(name: "ComponentYAML", dependencies: ["CYAML"]),
        .target(name: "ComponentManifest", dependencies: ["ComponentCore", "ComponentYAML"]),
        .target(
            name: "ComponentHTTP",
            dependencies: [
                "ComponentCore", "CCurl", "CCurlShims",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ComponentRuntime",
            dependencies: [
                "ComponentCore", "ComponentYAML", "ComponentManifest", "ComponentHTTP",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ComponentHost",
            dependencies: [
                "ComponentRuntime", "ComponentCore", "ComponentManifest", "ComponentHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `mcp` in-process, on the MCP SDK, which needs full Foundation: kept out of ComponentHost so
        // that an engine executable can link FoundationEssentials only and hand `mcp` to a sibling.
        .target(
            name: "ComponentMCP",
            dependencies: [
                "ComponentHost", "ComponentRuntime", "ComponentCore", "ComponentManifest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),

        // The kit: one import for a component's code, and what its tests run it with.
        .target(
            name: "ComponentKit",
            dependencies: [
                "ComponentCore", "ComponentHTTP", "ComponentHost", "ComponentMCP", "ComponentManifest", "ComponentRuntime",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "ComponentTesting", dependencies: ["ComponentCore", "ComponentHost", "ComponentManifest", "ComponentRuntime"]),

        // The Twilio component
        .target(
            name: "TwilioComponent",
            dependencies: [
                "ComponentRuntime", "ComponentCore", "ComponentHTTP",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            plugins: ["EmbedManifestPlugin"]
        ),

        // The local Twilio-compatible server
        .target(
            name: "TwilioSandbox",
            dependencies: [
                "ComponentCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
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
            dependencies: [
                "ComponentHost", "ComponentRuntime", "ComponentCore", "ComponentHTTP", "TwilioComponent",
            ] + subprocess  // starts twilio-sandbox for --sandbox
        ),
        .target(name: "TwilioInProcessSandbox", dependencies: ["ComponentCore", "ComponentHost", "ComponentRuntime", "TwilioSandbox"]),
        .executableTarget(name: "run-action", dependencies: ["ComponentHost", "TwilioHost", "TwilioInProcessSandbox"]),
        // Lean: FoundationEssentials only, no ICU (Tests/TwilioComponentTests/Engine/LeanExecutableTests.swift);
        // its `mcp` runs twilio-mcp, the same front end with the MCP server in-process.
        .executableTarget(name: "twilio-component", dependencies: ["ComponentHost", "TwilioHost"]),
        .executableTarget(name: "twilio-mcp", dependencies: ["ComponentHost", "ComponentMCP", "TwilioHost"]),

        // Build tools
        .executableTarget(name: "embed-manifest"),
        .plugin(name: "EmbedManifestPlugin", capability: .buildTool(), dependencies: ["embed-manifest"]),

        // Benchmarks
        .executableTarget(
            name: "manifest-bench",
            dependencies: ["ComponentManifest", "ComponentYAML", "CYAML"],
            path: "bench/manifest-bench"
        ),

        .executableTarget(
            name: "webhook-bench",
            dependencies: ["TwilioComponent", "ComponentCore"],
            path: "bench/webhook-bench"
        ),
        .executableTarget(
            name: "http-bench",
            dependencies: [
                "ComponentCore", "ComponentHTTP", "TestSupport", .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "bench/http-bench"
        ),

        // Tests
        .target(name: "TestSupport", dependencies: ["ComponentTesting"] + subprocess, path: "Tests/TestSupport"),
        // The smallest component there is (examples/fixture-component): the host tests run it.
        .executableTarget(
            name: "fixture-component",
            dependencies: ["ComponentKit"],
            path: "examples/fixture-component",
            plugins: ["EmbedManifestPlugin"]
        ),
        .testTarget(
            name: "ComponentRuntimeTests",
            dependencies: [
                "ComponentCore", "ComponentYAML", "ComponentManifest", "ComponentHTTP", "ComponentRuntime", "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"), .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TwilioSandboxTests",
            dependencies: [
                "TwilioSandbox", "ComponentCore", "ComponentHTTP", "TestSupport", .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),  // checks the signatures of call webhooks
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TwilioComponentTests",
            dependencies: [
                "TwilioComponent", "TwilioHost", "TwilioInProcessSandbox", "TwilioSandbox", "ComponentHost", "ComponentRuntime",
                "ComponentCore", "ComponentManifest", "ComponentHTTP", "TestSupport", "run-action",
                "twilio-component", "twilio-mcp", "twilio-sandbox", "fixture-component",
                .product(name: "HTTPTypes", package: "swift-http-types"),
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
            dependencies: ["ComponentHost", "ComponentRuntime", "ComponentCore", "TestSupport", "fixture-component"]
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
    let underTest = [
        "ComponentCore", "ComponentYAML", "ComponentManifest", "ComponentHTTP", "ComponentRuntime", "ComponentHost", "TwilioComponent",
    ]
    for target in package.targets where underTest.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers + ["-O"])]
    }
    let fuzzTargets: [(String, [Target.Dependency])] = [
        ("fuzz-manifest", ["ComponentManifest", "ComponentRuntime"]),
        ("fuzz-inputs", ["ComponentCore", "ComponentManifest", "ComponentRuntime", "TwilioComponent"]),
        (
            "fuzz-webhook",
            ["ComponentCore", "ComponentHTTP", "ComponentRuntime", "TwilioComponent", .product(name: "Logging", package: "swift-log")]
        ),  // @testable: debug only
        ("fuzz-serve-line", ["ComponentCore", "ComponentHost", "ComponentRuntime"]),
        ("fuzz-hosts", ["ComponentHTTP", "TwilioComponent"]),  // @testable: debug only
    ]
    package.targets.append(.target(name: "FuzzerDriver", path: "Fuzz/FuzzerDriver"))
    for (name, dependencies) in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: dependencies + ["FuzzerDriver"], path: "Fuzz/\(name)",
                swiftSettings: [.unsafeFlags(sanitizers + ["-O", "-parse-as-library"])],
                linkerSettings: [.unsafeFlags(sanitizers)]))
    }
}
