import Foundation

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

    /// One diagnostic per line, `file:line:column: error: ...`.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// Each diagnostic with its source line and a caret under the column.
    public var rendered: String { diagnostics.map { $0.rendered(source: source) }.joined(separator: "\n") }
}

/// Loads a manifest: YAML (libyaml) → nodes with marks → ``ComponentManifest`` → validation.
public enum ManifestLoader {
    /// Loads the manifest at `path`; `displayName` is the file name used in diagnostics
    /// (defaults to the last path component).
    /// - Throws: ``ManifestError`` when the file cannot be read or the manifest has errors.
    public static func load(contentsOf path: String, displayName: String? = nil) throws(ManifestError) -> LoadedManifest {
        let name = displayName ?? (path as NSString).lastPathComponent
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read (check its permissions)" : "there is no such file"
            throw ManifestError(diagnostics: [Diagnostic(.error, "Cannot load the manifest '\(path)': \(reason).", at: nil)], source: nil)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(diagnostics: [Diagnostic(.error, "The manifest '\(path)' is not UTF-8 text; save it as UTF-8.", at: SourceLocation(file: name, line: 1, column: 1))], source: nil)
        }
        return try load(text: text, file: name)
    }

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
