import Foundation
import Testing

@testable import SendGridComponent

/// The pure rules behind `sendEmail`: which addresses pass, and which input a SendGrid field names.
@Suite struct RulesTests {
    @Test(arguments: ["alex@example.com", "a.b+tag@mail.example.co.uk", "zoë@bücher.de", "x@a-b.io", "o'brien@example.com"])
    func takesAddresses(_ address: String) {
        #expect(SendEmail.isAddress(address))
    }

    @Test(arguments: [
        "", "alex", "alex@", "@example.com", "alex@example", "alex@@example.com", "a b@example.com", "Alex <alex@example.com>",
        ".alex@example.com", "al..ex@example.com", "alex@-example.com", "alex@example..com", "alex@example.123",
    ])
    func refusesWhatIsNotAnAddress(_ text: String) {
        #expect(!SendEmail.isAddress(text))
    }

    @Test func splitsAListPastedOnOneLine() {
        #expect(SendEmail.splitAddresses(["a@x.io, b@x.io; c@x.io", " ", "d@x.io "]) == ["a@x.io", "b@x.io", "c@x.io", "d@x.io"])
    }

    @Test func mapsSendGridsFieldsToInputs() {
        let cases: [(String, String?)] = [
            ("personalizations.0.to.0.email", "to"), ("personalizations.0.cc", "cc"), ("personalizations.2.bcc.1.email", "bcc"),
            ("personalizations.0", "to"), ("personalizations", "to"), ("from", "from"), ("from.email", "from"),
            ("from.name", "fromName"), ("reply_to.email", "replyTo"), ("subject", "subject"), ("content.1.value", "html"),
            ("content", "text"), ("template_id", "templateId"), ("personalizations.0.dynamic_template_data", "templateData"),
            ("categories.3", "categories"), ("send_at", "sendAt"), ("personalizations.0.custom_args", "customArgs"),
            ("mail_settings.sandbox_mode.enable", "sandboxMode"), ("attachments.0.content", nil), ("ip_pool_name", nil),
        ]
        for (field, input) in cases {
            #expect(SendEmail.input(forField: field, contentInputs: ["text", "html"]) == input, "\(field)")
        }
        #expect(SendEmail.input(forField: "content.0.value", contentInputs: ["html"]) == "html")
    }

    /// The vector of SendGrid's own Node.js library tests (@sendgrid/eventwebhook): a signature
    /// made by SendGrid's signer, not by this test, over the timestamp followed by the payload.
    @Test func verifiesSendGridsOwnTestVector() throws {
        let key = try EventWebhookSignature.publicKey(
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==")
        let signature = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="
        let payload = Data(#"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#.utf8)
        #expect(EventWebhookSignature.isValid(signature: signature, timestamp: "1588788367", body: payload, key: key))
        #expect(!EventWebhookSignature.isValid(signature: signature, timestamp: "1588788368", body: payload, key: key))
        #expect(!EventWebhookSignature.isValid(signature: signature, timestamp: "1588788367", body: payload + Data("\r\n".utf8), key: key))
        #expect(!EventWebhookSignature.isValid(signature: "not base64!", timestamp: "1588788367", body: payload, key: key))
    }
}
