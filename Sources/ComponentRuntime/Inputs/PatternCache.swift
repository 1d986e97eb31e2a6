import Foundation
import Synchronization

/// Compiled `pattern` regular expressions, shared process-wide: a manifest's patterns are few and
/// are checked on every invocation, so each is compiled once.
enum PatternCache {
    private static let cache = Mutex<[String: Entry]>([:])

    private enum Entry {
        case compiled(NSRegularExpression)
        case invalid(String)
    }

    /// The compiled expression, or the reason `pattern` is not a valid regular expression.
    static func regex(_ pattern: String) -> Result<NSRegularExpression, PatternError> {
        let entry = cache.withLock { entries -> Entry in
            if let entry = entries[pattern] { return entry }
            let entry: Entry
            do {
                entry = .compiled(try NSRegularExpression(pattern: pattern))
            } catch {
                entry = .invalid("it is not a valid regular expression")
            }
            entries[pattern] = entry
            return entry
        }
        switch entry {
        case .compiled(let regex): return .success(regex)
        case .invalid(let reason): return .failure(PatternError(reason: reason))
        }
    }

    /// Whether `text` contains a match of `pattern` (JSON Schema semantics: not anchored).
    /// An invalid pattern matches nothing; validation reports it separately.
    static func matches(_ text: String, pattern: String) -> Bool {
        guard case .success(let regex) = regex(pattern) else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }

    struct PatternError: Error {
        var reason: String
    }
}
