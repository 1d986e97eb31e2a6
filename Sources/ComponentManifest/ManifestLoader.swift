import ComponentYAML

/// A manifest that loaded and validated without errors, with its warnings.
public struct LoadedManifest: Sendable {
    /// The component.
    public var manifest: ComponentManifest
    /// Problems that do not stop the manifest from being used.
    public var warnings: [Diagnostic]
    /// The YAML text, for rendering diagnostics with their source line.
    public var source: String
}

/// A manifest that cannot be used: every error found (and the warnings beside them).
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    /// All diagnostics, sorted by position.
    public var diagnostics: [Diagnostic]
    /// The YAML text, when it could be read.
    public var source: String?

    /// An error with `diagnostics`; `source` is the text, when it could be read.
    package init(diagnostics: [Diagnostic], source: String?) {
        self.diagnostics = diagnostics
        self.source = source
    }

    /// One diagnostic per line, `file:line:column: error: ...`.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// Each diagnostic with its source line and a caret under the column.
    public var rendered: String { diagnostics.map { $0.rendered(source: source) }.joined(separator: "\n") }
}

/// Loads a manifest: YAML (libyaml) → nodes with marks → ``ComponentManifest`` → validation.
public enum ManifestLoader {
    /// Loads a manifest from `text`; `file` names it in diagnostics.
    /// - Throws: ``ManifestError`` when the manifest has errors.
    public static func load(text: String, file: String) throws(ManifestError) -> LoadedManifest {
        let root: YAMLNode?
        do {
            root = try YAMLReader.read(text, file: file)
        } catch {
            let location = SourceLocation(file: file, line: error.mark.line, column: error.mark.column)
            throw ManifestError(diagnostics: [Diagnostic(.error, error.message, at: location)], source: text)
        }
        var decoder = ManifestDecoder(file: file)
        let decoded = decoder.decode(root)
        var diagnostics = decoder.diagnostics
        if let decoded { diagnostics += validateManifest(decoded) }
        diagnostics = diagnostics.sortedByLocation()
        guard let manifest = decoded, !diagnostics.containsErrors else {
            throw ManifestError(diagnostics: diagnostics, source: text)
        }
        return LoadedManifest(manifest: manifest, warnings: diagnostics, source: text)
    }
}
