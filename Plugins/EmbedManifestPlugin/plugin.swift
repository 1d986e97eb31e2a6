import Foundation
import PackagePlugin

/// Embeds the target's manifest (its one `.yaml` file) as `EmbeddedManifest.text`.
@main
struct EmbedManifestPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let manifests = target.sourceFiles.filter { $0.url.pathExtension == "yaml" }
        guard manifests.count == 1, let manifest = manifests.first else {
            throw PluginError("target '\(target.name)' must hold exactly one .yaml manifest to embed, found \(manifests.count)")
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedManifest.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(manifest.url.lastPathComponent) in \(target.name)",
                executable: try context.tool(named: "embed-manifest").url,
                arguments: [manifest.url.path, output.path],
                inputFiles: [manifest.url],
                outputFiles: [output])
        ]
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
