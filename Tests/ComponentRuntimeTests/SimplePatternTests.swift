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
}
