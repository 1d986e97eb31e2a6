import ComponentManifest
import ComponentRuntime
import Foundation
import TestSupport
import Testing
import TwilioComponent

/// docs/twilio.md is generated from component.yaml and must not go stale.
@Suite(.timingInsensitive) struct DocsTests {
    static let path = PythonPeer.root.appendingPathComponent("docs/twilio.md").path

    @Test func theReferencePageIsUpToDate() throws {
        let manifest = try ManifestLoader.load(text: TwilioComponent.manifestText, file: "component.yaml").manifest
        let rendered = renderDocs(manifest, generator: "run-action --docs")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil {
            try rendered.write(toFile: Self.path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(
            committed == rendered,
            "docs/twilio.md is out of date with component.yaml: run `make docs` (or the tests with RECORD_SNAPSHOTS=1).")
    }

    @Test func thePageFollowsTheDocumentedStructure() throws {
        let page = try String(contentsOfFile: Self.path, encoding: .utf8)
        #expect(
            page.hasPrefix(
                "<!-- Generated from component.yaml by run-action --docs; do not edit. -->\n# Twilio Component\n\nSend SMS messages through Twilio\n\nComponent key: `twilio`\n"
            ))
        let headings = page.split(separator: "\n").filter { $0.hasPrefix("#") }.map(String.init)
        #expect(
            headings == [
                "# Twilio Component", "## Description", "## Connections", "### Twilio API Key Connection",
                "### Twilio Auth Token Connection",
                "## Triggers", "### New Messages", "### New Recordings", "### Voice Webhook", "### Webhook",
                "## Actions", "### Cancel Verification", "### Check Verification", "### Configure Number Webhooks",
                "### Create Verify Service", "### Delete Message", "### Delete Recording", "### Get Call", "### Get Message Media",
                "### Get Recording", "### Get SMS", "### List Calls", "### List Message Media", "### List Recordings",
                "### List SMS messages", "### Lookup Phone Number", "### Make Call", "### Raw Request", "### Redact Message",
                "### Restore Number Webhooks", "### Send SMS", "### Send Verification", "### Update Call",
                "## Data Sources", "### Select Message", "### Select Phone Number",
            ])
        #expect(page.contains("Receive and validate webhook requests from Twilio for webhooks you configure. | key: `webhook`"))
        #expect(page.contains("picked from data source `selectMessage`"))
        // Each trigger and data source shows its example payload.
        for marker in ["\"idempotencyKey\": \"2c5b5e4a", "\"seenAtSince\": [", "\"label\": \"2025-05-14 22:42 → +10987654321: Testing\""] {
            #expect(page.contains(marker), "\(marker)")
        }
        #expect(page.contains("> **Consider API Keys instead**"))
        #expect(page.contains("Get an SMS message | key: `getSMS`"))
        #expect(
            page.contains(
                "| Message<br>`body` | The message body of the SMS message.<br>`text`; up to 1600 characters | `Hello from Acme!` |"))
    }
}
