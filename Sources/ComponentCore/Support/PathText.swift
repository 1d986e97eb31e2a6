/// File paths as text, without Foundation's `NSString` path methods: `/` separates components.
package enum PathText {
    /// The last component of `path` (`b` of `/a/b/`); `/` for the root; the path itself for none.
    package static func lastComponent(_ path: String) -> String {
        let trimmed = path.reversed().drop { $0 == "/" }
        guard !trimmed.isEmpty else { return path.isEmpty ? "" : "/" }
        return String(trimmed.prefix { $0 != "/" }.reversed())
    }

    /// `path` without its last component (`/a` of `/a/b`); `/` for a child of the root, "" for a bare name.
    package static func deletingLastComponent(_ path: String) -> String {
        var components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { return path.hasPrefix("/") ? "/" : "" }
        components.removeLast()
        let joined = components.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }

    /// The extension of the last component (`mp3` of `a/b.mp3`), "" for none.
    package static func pathExtension(_ path: String) -> String {
        let last = lastComponent(path)
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return "" }
        return String(last[last.index(after: dot)...])
    }
}
