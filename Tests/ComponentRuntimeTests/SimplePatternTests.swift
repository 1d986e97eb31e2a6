import Foundation
import TestSupport
import Testing

@testable import ComponentManifest

/// The ICU-free matcher agrees with NSRegularExpression wherever it answers, and declines what is
/// outside its subset.
@Suite(.timingInsensitive) struct SimplePatternTests {
    static let patterns = [
        "^AC[0-9a-fA-F]{32}$", "^(SM|MM)[0-9a-fA-F]{32}$", "^MG[0-9a-fA-F]{32}$", "^[1-9][0-9]{0,2}$", "^[a-z]+$",
        "^a*b?c+$", "^[^0-9]*$", "^\\d{3}-\\d{4}$", "^(ab|a)(bc|c)?$", "^[-a]x[b-]$", "^\\.\\$\\^\\\\$", "^x{2,}$", "^(a|b|ab){1,3}$",
        "^é[à-ÿ]?$", "^ $",
    ]
    static let outside = [
        "AC[0-9]{32}", "^AC[0-9]{32}", "^a.b$", "^(?:a)$", "^[[:alpha:]]$", "^[a-z&&[^e]]$", "^a*?$", "^a++$", "^\\w+$", "^(a|)$",
        "^[a-z-0]$", "^(a)*$", "^a{1001}$", "^[z-a]$",
    ]

    @Test func declinesWhatIsOutsideTheSubset() {
        for pattern in Self.outside {
            #expect(SimplePattern(pattern) == nil, "\(pattern)")
        }
        for pattern in Self.patterns {
            #expect(SimplePattern(pattern) != nil, "\(pattern)")
        }
    }

    @Test func agreesWithICUOnGeneratedText() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aAbBcCfFgG0123456789-.$^\\xé àÿSMMCK ".unicodeScalars)
        var compared = 0
        for pattern in Self.patterns {
            let simple = try #require(SimplePattern(pattern))
            let regex = try NSRegularExpression(pattern: pattern)
            var samples: [String] = [
                "", "AC" + String(repeating: "a", count: 32), "SM" + String(repeating: "F", count: 32), "1", "999", "0", "abc", "ab",
                "abcc", "x\n", "a\n",
            ]
            for _ in 0..<400 {
                let length = Int.random(in: 0...36, using: &generator)
                var text = String.UnicodeScalarView()
                for _ in 0..<length { text.append(alphabet.randomElement(using: &generator)!) }
                samples.append(String(text))
            }
            for text in samples {
                let expected = regex.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
                if let answer = simple.matches(text) {
                    #expect(answer == expected, "\(pattern) on \(text.debugDescription)")
                    compared += 1
                } else {
                    #expect(
                        text.unicodeScalars.last.map(SimplePattern.lineTerminators.contains) == true,
                        "declined only for a trailing line terminator")
                }
                #expect(PatternCache.matches(text, pattern: pattern) == expected)
            }
        }
        #expect(compared > 5000)
    }

    /// Beyond the subset, `Regex` as compiled by ``CompiledRegex`` answers as ICU does, `$`, `\b`
    /// and lookahead included, on ASCII text with and without a final line terminator.
    @Test func fullPatternsAgreeWithICU() throws {
        let patterns =
            Self.outside + [
                #"\b\d\b"#, #"^a+\z"#, #"a(?!\n)"#, #"^[a-z]+$"#, #"(?m)^b$"#, "[$]", #"\$"#, #"^[]$]+$"#, #"[^]a]"#, #"\Qa$\E$"#,
                #"x$|(?m)^b$"#,
            ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab05.$ \n".unicodeScalars)
        var compared = 0
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                #expect(PatternCache.problem(pattern) != nil, "ICU rejects \(pattern), so must validation")
                continue
            }
            #expect(PatternCache.problem(pattern) == nil, "\(pattern)")
            var bodies = [
                "", "a", "aaa", "abc", "5", "35", "3.5", ".5.", "$", "a$", "b", "a\nb", "a\nb\nc", "0" + String(repeating: "a", count: 32),
            ]
            for _ in 0..<200 {
                let length = Int.random(in: 0...8, using: &generator)
                bodies.append(String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &generator)! })))
            }
            for body in bodies {
                for ending in ["", "\n", "\r\n", "\r"] {
                    let text = body + ending
                    let expected = regex.firstMatch(in: text, range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
                    #expect(PatternCache.matches(text, pattern: pattern) == expected, "\(pattern) on \(text.debugDescription)")
                    compared += 1
                }
            }
        }
        #expect(compared > 10_000)
    }

    @Test func translatesDollarsAndLeadingBrackets() {
        #expect(CompiledRegex.translated("^a$") == #"^a\Z"#)
        #expect(CompiledRegex.translated(#"a\$"#) == #"a\$"#)
        #expect(CompiledRegex.translated("[$]$") == #"[$]\Z"#)
        #expect(CompiledRegex.translated("[]$]$") == #"[\]$]\Z"#)
        #expect(CompiledRegex.translated("[^]$]$") == #"[^\]$]\Z"#)
        #expect(CompiledRegex.translated(#"[\]$]$"#) == #"[\]$]\Z"#)
        #expect(CompiledRegex.translated(#"\Q$\E$"#) == #"\Q$\E\Z"#)
        #expect(CompiledRegex.translated("(?m)^a$") == "(?m)^a$")
        #expect(CompiledRegex.translated("(?im:a$)") == "(?im:a$)")
        #expect(CompiledRegex.translated("(?i)a$") == #"(?i)a\Z"#)
        #expect(CompiledRegex.translated("a$|(?m)^b$") == #"a\Z|(?m)^b$"#)
    }
}
