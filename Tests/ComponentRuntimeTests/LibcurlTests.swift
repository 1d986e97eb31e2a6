import ComponentHTTP
import TestSupport
import Testing

@Suite(.timingInsensitive) struct LibcurlLinkTests {
    @Test func theSystemLibcurlIsLinked() {
        #expect(Libcurl.version.hasPrefix("libcurl/"))
        #expect(Libcurl.compiledVersionNumber >= 0x075500)
    }
}
