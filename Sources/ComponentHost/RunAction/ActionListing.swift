import ComponentCore
import ComponentManifest

/// The text `run-action --list` prints: each action with its inputs.
enum ActionListing {
    static func render(_ manifest: ComponentManifest) -> String {
        var lines = ["Actions of \(manifest.display.label) (\(manifest.key)):"]
        section(manifest.actions, manifest: manifest, into: &lines)
        if !manifest.triggers.isEmpty {
            lines += ["", "Triggers (run with --payload FILE, and --state FILE when polling):"]
            section(manifest.triggers, manifest: manifest, into: &lines)
        }
        if !manifest.dataSources.isEmpty {
            lines += ["", "Data sources:"]
            section(manifest.dataSources, manifest: manifest, into: &lines)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func section<Element: ManifestElement>(_ elements: [Element], manifest: ComponentManifest, into lines: inout [String]) {
        for action in elements {
            lines.append("")
            lines.append("  \(action.key) — \(action.label)" + (action.description.map { ": \($0)" } ?? ""))
            for input in action.inputs {
                if input.type == .connection {
                    let keys = manifest.connections.map(\.key).joined(separator: " | ")
                    lines.append("      --connection \(keys)" + (input.required ? "  (required)" : ""))
                    continue
                }
                var kind = input.type.rawValue
                if let collection = input.collection { kind += ", \(collection.rawValue)" }
                var notes: [String] = [kind]
                if input.required { notes.append("required") }
                if let fallback = input.default { notes.append("default \(fallback.stringValue ?? JSONWriter.string(from: fallback))") }
                if let choices = input.choices { notes.append("one of " + choices.map(\.value).joined(separator: "/")) }
                lines.append("      --input \(input.key)=…  \(input.label) (\(notes.joined(separator: "; ")))")
            }
        }
    }
}
