import ComponentRuntime
import Testing

@Suite struct LibcurlLinkTests {
    @Test func theSystemLibcurlIsLinked() {
        #expect(Libcurl.version.hasPrefix("libcurl/"))
        #expect(Libcurl.compiledVersionNumber >= 0x075500)
    }
}
