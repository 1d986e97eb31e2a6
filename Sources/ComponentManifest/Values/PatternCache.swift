import Foundation
import Synchronization

/// Compiled `pattern` regular expressions, shared process-wide: a manifest's patterns are few and
/// are checked on every invocation, so each is compiled once. Patterns within ``SimplePattern``'s
/// subset are matched without ICU, whose regular expressions cost a cold process milliseconds to
/// start; the rest (and text ``SimplePattern`` leaves to ICU) use `NSRegularExpression`.
package enum PatternCache {
    private static let cache = Mutex<[String: Entry]>([:])

    private struct Entry {
        var simple: SimplePattern?
        var regex: Result<NSRegularExpression, PatternError>?
    }

    private static func entry(_ pattern: String) -> Entry {
        cache.withLock { entries in
            if let entry = entries[pattern] { return entry }
            let entry = Entry(simple: SimplePattern(pattern))
            entries[pattern] = entry
            return entry
        }
    }

    /// The compiled expression, or the reason `pattern` is not a valid regular expression.
    static func regex(_ pattern: String) -> Result<NSRegularExpression, PatternError> {
        if let compiled = entry(pattern).regex { return compiled }
        let compiled: Result<NSRegularExpression, PatternError>
        do {
            compiled = .success(try NSRegularExpression(pattern: pattern))
        } catch {
            compiled = .failure(PatternError(reason: "it is not a valid regular expression"))
        }
        cache.withLock { $0[pattern, default: Entry(simple: SimplePattern(pattern))].regex = compiled }
        return compiled
    }

    /// Why `pattern` is not a valid regular expression, or `nil` when it is.
    static func problem(_ pattern: String) -> PatternError? {
        if entry(pattern).simple != nil { return nil }  // the subset is valid ICU syntax
        if case .failure(let problem) = regex(pattern) { return problem }
        return nil
    }

    /// Whether `text` contains a match of `pattern` (JSON Schema semantics: not anchored).
    /// An invalid pattern matches nothing; validation reports it separately.
    package static func matches(_ text: String, pattern: String) -> Bool {
        if let simple = entry(pattern).simple, let answer = simple.matches(text) { return answer }
        guard case .success(let regex) = regex(pattern) else { return false }
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }

    struct PatternError: Error {
        var reason: String
    }
}
