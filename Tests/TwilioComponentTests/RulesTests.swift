import TestSupport
import Testing

@testable import TwilioComponent

/// The component's own statement of Twilio's rules: addresses and hosts.
@Suite(.timingInsensitive) struct RulesTests {
    @Test(arguments: [
        ("+14155550100", "1", "+14155550100"), ("5551234567", "1", "+15551234567"), ("(555) 123-4567", "1", "+15551234567"),
        ("1 555 123 4567", "1", "+15551234567"), ("0044 7911 123456", "1", "+447911123456"), ("07911 123456", "44", "+447911123456"),
        ("447911123456", "44", "+447911123456"), ("whatsapp:+14155550100", "1", "whatsapp:+14155550100"),
        ("WhatsApp:(415) 555-0100", "1", "whatsapp:+14155550100"), ("messenger:12345", "1", "messenger:12345"),
    ])
    func normalisesRecipients(raw: String, countryCode: String, expected: String) throws {
        #expect(try PhoneNumberNormalizer.normalize(raw, role: .to, defaultCountryCode: countryCode).get() == expected)
    }

    @Test func passesSenderIDsAndShortCodesForFromOnly() throws {
        #expect(try PhoneNumberNormalizer.normalize("Acme Inc", role: .from, defaultCountryCode: "1").get() == "Acme Inc")
        #expect(try PhoneNumberNormalizer.normalize("72345", role: .from, defaultCountryCode: "1").get() == "72345")
        #expect(throws: PhoneNumberNormalizer.Refusal.self) {
            try PhoneNumberNormalizer.normalize("Acme Inc", role: .to, defaultCountryCode: "1").get()
        }
        #expect(throws: PhoneNumberNormalizer.Refusal.self) {
            try PhoneNumberNormalizer.normalize("72345", role: .to, defaultCountryCode: "1").get()
        }
    }

    @Test(arguments: ["", "abc", "+0123456789", "+1234", "555-CALL-NOW", "whatsapp:", "+1234567890123456", "12345678901234567"])
    func refusesWhatIsNotANumber(raw: String) {
        #expect(throws: PhoneNumberNormalizer.Refusal.self) {
            try PhoneNumberNormalizer.normalize(raw, role: .to, defaultCountryCode: "1").get()
        }
    }

    @Test func choosesTwiliosHosts() {
        #expect(TwilioHosts.baseURL(region: nil, edge: nil) == "https://api.twilio.com")
        #expect(TwilioHosts.baseURL(region: "us1", edge: nil) == "https://api.twilio.com")
        #expect(TwilioHosts.baseURL(region: nil, edge: "ashburn") == "https://api.ashburn.us1.twilio.com")
        #expect(TwilioHosts.baseURL(region: "ie1", edge: nil) == "https://api.dublin.ie1.twilio.com")
        #expect(TwilioHosts.baseURL(region: "au1", edge: "sydney") == "https://api.sydney.au1.twilio.com")
        #expect(TwilioHosts.isTwilioHost("api.dublin.ie1.twilio.com"))
        #expect(TwilioHosts.isTwilioHost("messaging.twilio.com"))
        #expect(!TwilioHosts.isTwilioHost("twilio.com.evil.test"))
        #expect(!TwilioHosts.isTwilioHost("eviltwilio.com"))
    }

    @Test func encodesAndSplitsLikeTwilio() {
        #expect(SMSEncoding("Hello").scheme == .gsm7)
        #expect(SMSEncoding("Hello {world} €").scheme == .gsm7)
        #expect(SMSEncoding("Hello ç").scheme == .ucs2)
        #expect(SMSEncoding("`tick`").scheme == .ucs2)
        #expect(SMSEncoding(String(repeating: "a", count: 160)).segments == 1)
        #expect(SMSEncoding(String(repeating: "a", count: 161)).segments == 2)
        #expect(SMSEncoding(String(repeating: "{", count: 80)).segments == 1)
        #expect(SMSEncoding(String(repeating: "{", count: 81)).segments == 2)
        #expect(SMSEncoding(String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)).segments == 3)
        #expect(SMSEncoding(String(repeating: "😀", count: 35)).segments == 1)
        #expect(SMSEncoding(String(repeating: "😀", count: 36)).segments == 2)
        #expect(SMSEncoding("").segments == 1)
    }
}
