import ComponentCore
import ComponentRuntime
import Logging
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
    }

    /// Every product's host follows the same rule as the SDKs' `get_hostname`: `{product}.{edge}.{region}.twilio.com`.
    @Test(arguments: [TwilioHosts.Product.verify, .lookups])
    func choosesEveryProductsHostTheSameWay(product: TwilioHosts.Product) {
        let name = product.rawValue
        #expect(TwilioHosts.baseURL(product, region: nil, edge: nil) == "https://\(name).twilio.com")
        #expect(TwilioHosts.baseURL(product, region: "US1", edge: nil) == "https://\(name).twilio.com")
        #expect(TwilioHosts.baseURL(product, region: nil, edge: "ashburn") == "https://\(name).ashburn.us1.twilio.com")
        #expect(TwilioHosts.baseURL(product, region: "ie1", edge: nil) == "https://\(name).dublin.ie1.twilio.com")
        #expect(TwilioHosts.baseURL(product, region: "au1", edge: "sydney") == "https://\(name).sydney.au1.twilio.com")
        #expect(TwilioHosts.baseURL(product, region: "xx9", edge: "") == "https://\(name).ashburn.xx9.twilio.com")
    }

    /// The client of one invocation: each product on its host for the connection's region and
    /// edge, and every one of them (api, verify, lookups) on the run's override when it has one.
    @Test func theClientSendsEachProductToItsHostOrAllToTheOverride() throws {
        let fields: JSONObject = [
            "accountSid": .string("AC" + String(repeating: "a", count: 32)), "authToken": "token-1234", "region": "ie1", "edge": "dublin",
        ]
        let context = ActionContext(
            logger: Logger(label: "rules"),
            connection: ResolvedConnection(key: "authToken", fields: ResolvedInputs(values: fields, secretKeys: ["authToken"])),
            invocationID: "rules", debug: false, elementKey: "lookupPhoneNumber")
        let regional = try TwilioAPI(context: context, settings: ServiceSettings())
        #expect(regional.baseURL(of: .api) == "https://api.dublin.ie1.twilio.com")
        #expect(regional.baseURL(of: .verify) == "https://verify.dublin.ie1.twilio.com")
        #expect(regional.baseURL(of: .lookups) == "https://lookups.dublin.ie1.twilio.com")
        let overridden = try TwilioAPI(context: context, settings: ServiceSettings(baseURL: "http://127.0.0.1:8080/"))
        for product in TwilioHosts.Product.allCases { #expect(overridden.baseURL(of: product) == "http://127.0.0.1:8080") }
    }

    @Test func knowsOnlyTheProductsHosts() {
        #expect(TwilioHosts.product(ofHost: "api.twilio.com") == .api)
        #expect(TwilioHosts.product(ofHost: "Verify.Twilio.com") == .verify)
        #expect(TwilioHosts.product(ofHost: "lookups.twilio.com") == .lookups)
        #expect(TwilioHosts.product(ofHost: "api.dublin.ie1.twilio.com") == .api)
        #expect(TwilioHosts.product(ofHost: "verify.sao-paulo.br1.twilio.com") == .verify)
        for host in [
            "twilio.com", "evil.twilio.com", "studio.twilio.com", "messaging.twilio.com", "twilio.com.evil.net", "eviltwilio.com",
            "api.twilio.com.evil.net", "api.ie1.twilio.com", "api.a.b.c.twilio.com", "api..us1.twilio.com", "api.-x.us1.twilio.com",
            "api.dub_lin.ie1.twilio.com", "", "api.twilio.net",
        ] {
            #expect(TwilioHosts.product(ofHost: host) == nil, "\(host)")
        }
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
