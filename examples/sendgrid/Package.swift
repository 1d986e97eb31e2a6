// swift-tools-version:6.2
import PackageDescription

// The SendGrid component: a second component on the runtime, built only from its public kit
// (ComponentKit to host it, ComponentTesting to test it) and swift-crypto for the Event Webhook's
// ECDSA signatures.
let kit: Target.Dependency = .product(name: "ComponentKit", package: "twilio-component")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")

let package = Package(
    name: "sendgrid-component",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SendGridComponent", targets: ["SendGridComponent"]),
        .executable(name: "sendgrid-component", targets: ["sendgrid-component"]),
    ],
    dependencies: [
        .package(name: "twilio-component", path: "../.."),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),  // as the kit: 4.x imports no Foundation
    ],
    targets: [
        .target(
            name: "SendGridComponent",
            dependencies: [kit, crypto],
            plugins: [.plugin(name: "EmbedManifestPlugin", package: "twilio-component")]
        ),
        .executableTarget(name: "sendgrid-component", dependencies: ["SendGridComponent", kit]),
        .testTarget(
            name: "SendGridComponentTests",
            dependencies: ["SendGridComponent", kit, crypto, .product(name: "ComponentTesting", package: "twilio-component")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
            .enableUpcomingFeature("InternalImportsByDefault"),
        ]
}
