import ComponentCore
import ComponentRuntime
import Testing

/// The scrubber replaces what its byte search finds, even where a Character comparison would not.
@Suite struct SecretScrubberTests {
    @Test func scrubsAnASCIISecretThatACombiningMarkFollows() {
        let scrubber = SecretScrubber(secrets: ["hunter2x"])
        let text = "token hunter2x\u{301} and hunter2x."
        #expect(scrubber.containsSecret(text))
        let scrubbed = scrubber.scrub(text)
        #expect(!scrubbed.utf8.elementsEqual(text.utf8))
        #expect(!scrubbed.utf8.contains("hunter2x".utf8), "\(scrubbed.debugDescription)")
        #expect(scrubbed == "token \(Secret.redacted)\u{301} and \(Secret.redacted).")
    }

    @Test func scrubsEveryEncodedFormAndLeavesTheRest() {
        let scrubber = SecretScrubber(secrets: ["p@ss word"], companions: ["alice"])
        let scrubbed = scrubber.scrub("a p@ss word, b p%40ss%20word, c cEBzcyB3b3Jk, d YWxpY2U6cEBzcyB3b3Jk é")
        #expect(scrubbed == "a <redacted>, b <redacted>, c <redacted>, d <redacted> é", "\(scrubbed)")
    }
}
