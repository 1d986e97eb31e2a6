import Synchronization

/// Compiled `pattern` regular expressions, shared process-wide: a manifest's patterns are few and
/// are checked on every invocation, so each is compiled once. Patterns within ``SimplePattern``'s
/// subset are matched by hand, which costs a cold process nothing; the rest (and text
/// ``SimplePattern`` leaves to a full engine) use the standard library's `Regex`, made to answer
/// as ICU does (``CompiledRegex``), with no Foundation or ICU to link.
package enum PatternCache {
    private static let cache = Mutex<[String: Entry]>([:])

    private struct Entry {
        var simple: SimplePattern?
        var regex: Result<CompiledRegex, PatternError>?
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
    static func regex(_ pattern: String) -> Result<CompiledRegex, PatternError> {
        if let compiled = entry(pattern).regex { return compiled }
        let compiled: Result<CompiledRegex, PatternError>
        do {
            compiled = .success(try CompiledRegex(pattern))
        } catch {
            compiled = .failure(PatternError(reason: "it is not a valid regular expression"))
        }
        cache.withLock { $0[pattern, default: Entry(simple: SimplePattern(pattern))].regex = compiled }
        return compiled
    }

    /// Why `pattern` is not a valid regular expression, or `nil` when it is.
    static func problem(_ pattern: String) -> PatternError? {
        if entry(pattern).simple != nil { return nil }  // `Regex` (and ICU) accept all of the subset
        if case .failure(let problem) = regex(pattern) { return problem }
        return nil
    }

    /// Whether `text` contains a match of `pattern` (JSON Schema semantics: not anchored).
    /// An invalid pattern matches nothing; validation reports it separately.
    package static func matches(_ text: String, pattern: String) -> Bool {
        if let simple = entry(pattern).simple, let answer = simple.matches(text) { return answer }
        guard case .success(let regex) = regex(pattern) else { return false }
        return regex.matches(text)
    }

    struct PatternError: Error {
        var reason: String
    }
}
