import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// sendSMS's dry run says what Twilio will store (`expected`, under a listed message's field
/// names) and which of those values are only predicted (`uncertain`): what an engine reconciling
/// a lost send matches candidates against.
@Suite(.timingInsensitive) struct DryRunExpectationTests {
    static let service = "MG" + String(repeating: "a", count: 32)
    static let template = "HX" + String(repeating: "a1", count: 16)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var inputs: [String: String]
        var expected: JSONValue
        var uncertain: [String]
        /// Whether the sandbox accepts the same inputs for a real send, whose stored message must
        /// then hold every expected value not marked uncertain.
        var compareWithASend = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "national digits", inputs: ["from": "5005550006", "to": "4155550100", "body": "Hello from Acme!"],
            expected: ["to": "+14155550100", "from": "+15005550006", "body": "Hello from Acme!"], uncertain: [], compareWithASend: true),
        Case(
            name: "WhatsApp", inputs: ["from": "whatsapp:+15005550006", "to": "whatsapp:+14155550100", "body": "Hi"],
            expected: ["to": "whatsapp:+14155550100", "from": "whatsapp:+15005550006", "body": "Hi"], uncertain: []),
        Case(
            name: "a Messaging Service only", inputs: ["messagingServiceSid": service, "to": "+14155550100", "body": "Hi"],
            expected: ["to": "+14155550100", "from": .null, "body": "Hi"], uncertain: []),
        Case(
            name: "a content template",
            inputs: ["from": "+15005550006", "to": "+14155550100", "contentSid": template, "smartEncoded": "true"],
            expected: ["to": "+14155550100", "from": "+15005550006", "body": .null], uncertain: []),
        Case(
            name: "Smart Encoding with curly quotes",
            inputs: ["from": "+15005550006", "to": "+14155550100", "body": "“Sale” – ends soon…", "smartEncoded": "true"],
            expected: ["to": "+14155550100", "from": "+15005550006", "body": "\"Sale\" - ends soon..."], uncertain: ["body"]),
        Case(
            name: "Smart Encoding of plain GSM-7 text",
            inputs: ["from": "+15005550006", "to": "+14155550100", "body": "Sale: 50% off {today}", "smartEncoded": "true"],
            expected: ["to": "+14155550100", "from": "+15005550006", "body": "Sale: 50% off {today}"], uncertain: [],
            compareWithASend: true),
        Case(
            name: "shortened links",
            inputs: ["messagingServiceSid": service, "to": "+14155550100", "body": "See HTTPS://example.com/offer", "shortenUrls": "true"],
            expected: ["to": "+14155550100", "from": .null, "body": "See HTTPS://example.com/offer"], uncertain: ["body"]),
        Case(
            name: "Shorten URLs without a link",
            inputs: ["messagingServiceSid": service, "to": "+14155550100", "body": "No link here", "shortenUrls": "true"],
            expected: ["to": "+14155550100", "from": .null, "body": "No link here"], uncertain: []),
        Case(
            name: "a Messaging Service with characters outside GSM-7",
            inputs: ["messagingServiceSid": service, "to": "+14155550100", "body": "It’s ready"],
            expected: ["to": "+14155550100", "from": .null, "body": "It’s ready"], uncertain: ["body"]),
        Case(
            name: "media only", inputs: ["from": "+15005550006", "to": "+14155550100", "mediaUrls": "https://example.com/a.png"],
            expected: ["to": "+14155550100", "from": "+15005550006", "body": ""], uncertain: [], compareWithASend: true),
    ]

    @Test(arguments: cases)
    func theDryRunPredictsTheStoredMessage(_ test: Case) async throws {
        try await withHarness { harness throws in
            let dry = await harness.run(["sendSMS", "--input", "dryRun=true"] + Harness.inputs(test.inputs))
            #expect(dry.exitCode == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(dry.data["expected"] == test.expected)
            #expect(dry.data["uncertain"] == .array(test.uncertain.map(JSONValue.string)))
            #expect(dry.data["form"] != nil && dry.data["dryRun"] == true, "the dry run's other fields stay")
            #expect(try await harness.sandboxMessages().isEmpty)

            guard test.compareWithASend else { return }
            let sent = await harness.run(["sendSMS"] + Harness.inputs(test.inputs))
            #expect(sent.exitCode == 0, "\(sent.stdout)\(sent.stderr)")
            let listed = await harness.run(["listMessages", "--input", "limit=1"])
            let message = try #require(listed.data["messages"]?[0])
            for (field, value) in test.expected.objectValue?.pairs ?? [] where value != .null && !test.uncertain.contains(field) {
                #expect(message[field] == value, "\(field)")
            }
        }
    }
}

extension JSONValue {
    /// The element at `index`, when this is an array that long.
    fileprivate subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
