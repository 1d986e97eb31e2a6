import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// The rules of the Verify and Lookup actions: the regions Twilio serves them in (refused before
/// any request elsewhere), what a check's 404 may mean, Verify's dates, and its final limits.
@Suite(.timingInsensitive) struct VerifyLookupRulesTests {
    static let service = "VA" + String(repeating: "a", count: 32)

    /// A server standing in for every Twilio host at the run's base URL, recording what arrives.
    func withTwilio<T>(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action,
        _ body: (Harness, TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await withTestServer(handler: handler) { server in
            try await body(
                Harness(endpoint: SandboxEndpoint(baseURL: server.baseURL, credentials: .default, certificateAuthorityFile: nil)), server)
        }
    }

    /// The sandbox's Auth Token connection in `region`.
    static func connection(region: String) -> [String] {
        let credentials = SandboxCredentials.default
        return [
            "--connection", "authToken", "--connection-field", "accountSid=\(credentials.accountSid)", "--connection-field",
            "authToken=\(credentials.authToken)", "--connection-field", "region=\(region)",
        ]
    }

    /// Verify exists only in US1, Lookup v2 in US1 and IE1: any other region is a connection error
    /// before any request (its host would not exist, and every attempt would fail as not sent).
    @Test(arguments: [
        ("sendVerification", ["serviceSid": service, "to": "+14155550100"], "ie1", "Twilio serves Verify only in US1"),
        ("checkVerification", ["serviceSid": service, "to": "+14155550100", "code": "123456"], "au1", "Twilio serves Verify only in US1"),
        ("lookupPhoneNumber", ["phoneNumber": "+14155550100"], "au1", "Twilio serves Lookup v2 only in US1 and IE1"),
        ("lookupPhoneNumber", ["phoneNumber": "+14155550100"], "jp1", "Twilio serves Lookup v2 only in US1 and IE1"),
    ])
    func refusesRegionsWithoutTheProduct(action: String, inputs: [String: String], region: String, says: String) async throws {
        try await withTwilio({ _ in .json(200, "{}") }) { harness, server in
            let output = await harness.run(
                [action] + Harness.inputs(inputs) + Self.connection(region: region), withConnection: false)
            #expect(output.exitCode != 0)
            #expect(output.error["kind"] == "connection", "\(output.stdout)")
            #expect(output.error["code"] == "region_not_served")
            let message = output.error["message"]?.stringValue ?? ""
            #expect(
                message.hasPrefix("\(says), and the authToken connection is in region \(region): use a connection in region us1"),
                "\(message)")
            #expect(server.requests.isEmpty)
        }
    }

    /// Lookup in IE1 is served: the request goes out.
    @Test func looksUpInIE1() async throws {
        let answer = #"{"phone_number": "+14155550100", "valid": true, "country_code": "US"}"#
        try await withTwilio({ _ in .json(200, answer) }) { harness, server in
            let output = await harness.run(
                ["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "+14155550100"]) + Self.connection(region: "ie1"),
                withConnection: false)
            #expect(output.exitCode == 0, "\(output.stdout)")
            #expect(output.data["valid"] == true)
            #expect(server.requests.last?.target == "/v2/PhoneNumbers/%2B14155550100")
        }
    }

    @Test func theRegionsRuleIsTwiliosAvailability() {
        #expect(TwilioHosts.Product.api.isServed(in: "au1"))
        #expect(
            TwilioHosts.Product.verify.isServed(in: nil) && TwilioHosts.Product.verify.isServed(in: "")
                && TwilioHosts.Product.verify.isServed(in: "US1"))
        #expect(!TwilioHosts.Product.verify.isServed(in: "ie1"))
        #expect(TwilioHosts.Product.lookups.isServed(in: "ie1") && TwilioHosts.Product.lookups.isServed(in: "us1"))
        #expect(!TwilioHosts.Product.lookups.isServed(in: "au1") && !TwilioHosts.Product.lookups.isServed(in: "us2"))
    }

    /// A check's 404 says every reason it may have: a wrong service, account or region, no
    /// verification started, one approved, cancelled, expired or out of attempts, or a lost earlier
    /// attempt that accepted the code; Twilio's own message and code are kept.
    @Test func aCheck404SaysEveryReasonAndKeepsTwiliosWords() async throws {
        let said = "The requested resource /Services/VAaa/VerificationCheck was not found"
        try await withTwilio({ _ in
            .json(404, #"{"code": 20404, "message": "\#(said)", "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}"#)
        }) { harness, server in
            let output = await harness.run(
                ["checkVerification"] + Harness.inputs(["serviceSid": Self.service, "to": "+14155550100", "code": "123456"]))
            #expect(output.error["code"] == 20404)
            #expect(output.error["retryable"] == false)
            let message = output.error["message"]?.stringValue ?? ""
            #expect(
                message.hasPrefix(
                    "Twilio answered 404 (\(said), error 20404): it found no pending verification to +14155550100 in service \(Self.service). Either the service SID, the connection's account or its region is wrong, or no verification was started for it; or the verification was already approved, cancelled, expired"
                ), "\(message)")
            #expect(message.contains("ran out of check attempts"))
            #expect(message.contains("that attempt may have accepted the code"))
            #expect(message.contains("does not say whether the code was right"))
            #expect(!message.contains("  "))
            #expect(server.requests.count == 1)
        }
    }

    /// Every date of a verification, each send attempt's `time` included, in the manifest's form,
    /// from ISO 8601 and from RFC 2822 alike.
    @Test func verificationDatesAreISOWithMilliseconds() throws {
        let answer = try JSONParser.parse(
            """
            {"sid": "VE1", "status": "pending", "date_created": "2025-05-14T22:42:25Z", "date_updated": "Wed, 14 May 2025 22:42:26 +0000",
             "send_code_attempts": [{"attempt_sid": "VL1", "channel": "sms", "time": "2025-05-14T22:42:25.5Z"},
                                    {"attempt_sid": "VL2", "channel": "call", "time": "Wed, 14 May 2025 22:43:00 +0000"},
                                    {"attempt_sid": "VL3", "channel": "sms", "time": "soon"}]}
            """)
        let output = VerifyResource.verification.map(answer)
        #expect(output["dateCreated"] == "2025-05-14T22:42:25.000Z")
        #expect(output["dateUpdated"] == "2025-05-14T22:42:26.000Z")
        let attempts = output["sendCodeAttempts"]?.arrayValue ?? []
        #expect(attempts.map { $0["time"] } == ["2025-05-14T22:42:25.500Z", "2025-05-14T22:43:00.000Z", "soon"])
        #expect(attempts.first?["attempt_sid"] == "VL1", "Twilio's keys inside an attempt are kept, as the manifest shows")
        let check = VerifyResource.verificationCheck.map(
            try JSONParser.parse(#"{"date_created": "Wed, 14 May 2025 22:42:25 +0000", "date_updated": null}"#))
        #expect(check["dateCreated"] == "2025-05-14T22:42:25.000Z")
        #expect(check["dateUpdated"] == .null)
    }

    /// 60202 and 60203 are final although they come as 429s: the client does not retry them.
    @Test func verifysFinalLimitsAreNotRetried() {
        func final(_ status: Int, _ body: String) -> Bool {
            TwilioErrors.isFinalAnswer(HTTPResponse.Status(code: status), Data(body.utf8))
        }
        #expect(final(429, #"{"code": 60202}"#))
        #expect(final(429, #"{"code": 60203, "message": "Max send attempts reached"}"#))
        #expect(!final(429, #"{"code": 20429}"#))
        #expect(!final(400, #"{"code": 60202}"#))
        #expect(!final(429, "not json"))
    }

    /// Lookup takes dates as YYYYMMDD; the inputs are read as YYYY-MM-DD or YYYYMMDD naming a real day.
    @Test func compactDatesNameRealDays() {
        #expect(LookupPhoneNumber.compactDate("2024-02-29") == "20240229")
        #expect(LookupPhoneNumber.compactDate("20240229") == "20240229")
        #expect(LookupPhoneNumber.compactDate("2023-02-29") == nil)
        #expect(LookupPhoneNumber.compactDate("2024-13-01") == nil)
        #expect(LookupPhoneNumber.compactDate("2024/01/01") == nil)
        #expect(LookupPhoneNumber.compactDate("2024-1-01") == nil)
        #expect(LookupPhoneNumber.compactDate("２０２４０１０１") == nil)
    }

    /// A malformed date of birth is refused without its value, also in the error's details; given
    /// without identity_match it is one problem (its package), not two.
    @Test func aMalformedDateOfBirthIsNotRepeated() {
        func problems(_ input: LookupPhoneNumber.Input) -> ComponentError? {
            do throws(ComponentError) {
                _ = try LookupPhoneNumber.request(for: input)
                return nil
            } catch { return error }
        }
        let refused = problems(.init(phoneNumber: "+14155550100", fields: ["identity_match"], dateOfBirth: Secret("1990-02-30")))
        #expect(refused?.message.contains("Input 'dateOfBirth' (Date of Birth) is not a date written YYYY-MM-DD") == true)
        let everything = (refused?.message ?? "") + JSONWriter.string(from: refused?.details ?? .null)
        #expect(!everything.contains("1990-02-30") && !everything.contains("19900230"), "\(everything)")

        let stray = problems(.init(phoneNumber: "+14155550100", dateOfBirth: Secret("not a date")))
        #expect(stray?.details?["problems"]?.arrayValue?.count == 1, "\(stray?.details ?? .null)")
        #expect(stray?.message.contains("is read only by Lookup's identity_match package") == true)
    }
}
