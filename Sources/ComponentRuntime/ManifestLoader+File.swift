import ComponentCore
public import ComponentManifest
import FoundationEssentials

extension ManifestLoader {
    /// Loads the manifest at `path`; `displayName` is the file name used in diagnostics
    /// (defaults to the last path component).
    /// - Throws: ``ManifestError`` when the file cannot be read or the manifest has errors.
    public static func load(contentsOf path: String, displayName: String? = nil) throws(ManifestError) -> LoadedManifest {
        let name = displayName ?? PathText.lastComponent(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason =
                FileManager.default.fileExists(atPath: path) ? "it cannot be read (check its permissions)" : "there is no such file"
            throw ManifestError(diagnostics: [Diagnostic(.error, "Cannot load the manifest '\(path)': \(reason).", at: nil)], source: nil)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(
                diagnostics: [
                    Diagnostic(
                        .error, "The manifest '\(path)' is not UTF-8 text; save it as UTF-8.",
                        at: SourceLocation(file: name, line: 1, column: 1))
                ], source: nil)
        }
        return try load(text: text, file: name)
    }
}
