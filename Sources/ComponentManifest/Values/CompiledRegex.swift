import Synchronization

/// A `pattern` compiled with the standard library's `Regex`, made to answer as ICU (and so
/// `NSRegularExpression`, which manifests were written against) does:
///
/// - `\b` uses simple word boundaries (ICU's and ECMA-262's), not Unicode's default rules, under
///   which `\b5\b` does not match "3.5".
/// - `$` outside a character class becomes `\Z`, which matches at the end or before a final line
///   terminator ("\n", "\r\n", "\r", "\u{85}", "\u{2028}", …), as ICU's `$` does. Once a flag
///   group turns multiline on (`(?m)`, `(?m:…)`), the rest keeps its `$`, which matches before any
///   terminator.
/// - `]` first in a class (`[]a]`, `[^]a]`), a literal to ICU and an error to `Regex`, is escaped.
///
/// One known difference is left: matching is on grapheme clusters (on Unicode scalars `\b` and
/// `\Z` misbehave), so `.` and a class match a whole cluster ("e\u{301}") where ICU matches one
/// code point.
///
/// A `Regex` is not `Sendable`, so the cached one sits behind a lock of its own. Compiling per
/// match would avoid that lock, but costs 50–115 µs for a manifest-sized pattern (measured with
/// Swift 6.3), far more than a match, so matches of one pattern are serialised instead.
final class CompiledRegex: Sendable {
    private let regex: Mutex<Regex<AnyRegexOutput>>

    init(_ pattern: String) throws {
        regex = Mutex(try Regex(Self.translated(pattern)).wordBoundaryKind(.simple))
    }

    /// Whether `text` contains a match (not anchored, as JSON Schema's `pattern`).
    func matches(_ text: String) -> Bool {
        regex.withLock { text.contains($0) }
    }

    /// `pattern` with each unescaped `$` outside a character class (and outside `\Q…\E`) written as
    /// `\Z`, unless the pattern turns multiline on, and a `]` that opens a class escaped.
    static func translated(_ pattern: String) -> String {
        let scalars = Array(pattern.unicodeScalars)
        var result = String.UnicodeScalarView()
        var rewritten = false
        // Set at the flag group: a `$` before `(?m)` stays `\Z`, as ICU applies the flag from there on.
        var multiline = false
        var classDepth = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\\" where index + 1 < scalars.count:
                if scalars[index + 1] == "Q" {
                    // Literal up to `\E` (or the end).
                    var end = index + 2
                    while end < scalars.count, !(scalars[end] == "\\" && end + 1 < scalars.count && scalars[end + 1] == "E") {
                        end += 1
                    }
                    end = min(end + 2, scalars.count)
                    result.append(contentsOf: scalars[index..<end])
                    index = end
                } else {
                    result.append(contentsOf: scalars[index...index + 1])
                    index += 2
                }
                continue
            case "[":
                classDepth += 1
                result.append(scalar)
                index += 1
                // `]` first in a class (after an optional `^`) is a literal.
                if index < scalars.count, scalars[index] == "^" {
                    result.append(scalars[index])
                    index += 1
                }
                if index < scalars.count, scalars[index] == "]" {
                    result.append(contentsOf: #"\]"#.unicodeScalars)  // `Regex` rejects a bare one there
                    index += 1
                    rewritten = true
                }
                continue
            case "]" where classDepth > 0:
                classDepth -= 1
            case "(" where classDepth == 0 && Self.turnsMultilineOn(scalars[(index + 1)...]):
                multiline = true
            case "$" where classDepth == 0 && !multiline:
                result.append(contentsOf: #"\Z"#.unicodeScalars)
                rewritten = true
                index += 1
                continue
            default:
                break
            }
            result.append(scalar)
            index += 1
        }
        return rewritten ? String(result) : pattern
    }

    /// Whether the text after a `(` is a flag group that sets `m`: `?m)`, `?im:`, `?m-x)`, …
    private static func turnsMultilineOn(_ rest: ArraySlice<Unicode.Scalar>) -> Bool {
        guard rest.first == "?" else { return false }
        for scalar in rest.dropFirst() {
            switch scalar {
            case "m": return true
            case ")", ":", "-": return false
            case _ where scalar.properties.isAlphabetic || scalar == "^": continue
            default: return false
            }
        }
        return false
    }
}
