import ComponentRuntime
import Foundation
import TestSupport
import Testing
import TwilioComponent

/// docs/twilio.md is generated from component.yaml and must not go stale.
@Suite struct DocsTests {
    static let path = PythonPeer.root.appendingPathComponent("docs/twilio.md").path

    @Test func theReferencePageIsUpToDate() throws {
        let manifest = try ManifestLoader.load(text: TwilioComponent.manifestText, file: "component.yaml").manifest
        let rendered = renderDocs(manifest, generator: "run-action --docs")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil {
            try rendered.write(toFile: Self.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(committed == rendered, "docs/twilio.md is out of date with component.yaml: run `make docs` (or the tests with RECORD_SNAPSHOTS=1).")
    }

    @Test func thePageFollowsTheDocumentedStructure() throws {
        let page = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(page.hasPrefix("<!-- Generated from component.yaml by run-action --docs; do not edit. -->\n# Twilio Component\n\nSend SMS messages through Twilio\n\nComponent key: `twilio`\n"))
        let headings = page.split(separator: "\n").filter { $0.hasPrefix("#") }.map(String.init)
        #expect(headings == [
            "# Twilio Component", "## Description", "## Connections", "### Twilio API Key Connection", "### Twilio Auth Token Connection",
            "## Actions", "### Get SMS", "### List SMS messages", "### Raw Request", "### Send SMS",
        ])
        #expect(page.contains("> **Consider API Keys instead**"))
        #expect(page.contains("Get an SMS message | key: `getSMS`"))
        #expect(page.contains("| Message<br>`body` | The message body of the SMS message.<br>`text`; up to 1600 characters | `Hello from Acme!` |"))
    }
}
