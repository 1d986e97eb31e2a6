import ComponentManifest
import ComponentRuntime
import Foundation

/// The fixture component's manifest (shared with the fixture executable).
enum FixtureManifest {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/fixture-component/fixture.yaml").path

    static func load() throws -> ComponentManifest {
        try ManifestLoader.load(contentsOf: path).manifest
    }
}
