import Foundation
import TestSupport
import Testing

@testable import ComponentHTTP

/// The positional reader of the common date form agrees with the general one.
@Suite(.timingInsensitive) struct HTTPDateTests {
    @Test func theFastFormAgreesWithTheGeneralReader() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
            // The GMT form, and the same instant with RFC 5322's numeric zone.
            let gmt = HTTPDate.string(from: date)
            for text in [gmt, gmt.replacingOccurrences(of: " GMT", with: " +0000")] {
                #expect(HTTPDate.parseFixed(text) == date, "\(text)")
                #expect(HTTPDate.parseAnyForm(text) == date, "\(text)")
            }
        }
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == Date(timeIntervalSince1970: 784_111_777))
        for wrong in [
            "Sun, 31 Feb 2026 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 0x Nov 1994 08:49:37 GMT",
        ] {
            #expect(HTTPDate.parseFixed(wrong) == nil, "\(wrong)")
        }
        #expect(
            HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 -0100") == Date(timeIntervalSince1970: 784_111_777 + 3600), "other offsets still read"
        )
    }
}
