import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// The Verify and Lookup actions against the in-process sandbox, which serves every Twilio host
/// (api, verify, lookups) at its one base URL: a whole verification's life, Verify's limits, and a
/// lookup with each package.
@Suite(.timingInsensitive) struct VerifyLookupSandboxTests {
    /// create service → send → wrong code pending → right code approved → a check after approval
    /// fails as Twilio's does (404 20404) → cancel; the code never in any output or log.
    @Test(arguments: SandboxTransport.tls)
    func aVerificationFromStartToApproval(over transport: SandboxTransport) async throws {
        try await withHarness(transport: transport) { harness throws in
            let to = "+14155550123"
            let serviceSid = try await harness.createVerifyService(codeLength: 8)
            let sent = await harness.run(["sendVerification", "--debug"] + Harness.inputs(["serviceSid": serviceSid, "to": to]))
            #expect(sent.exitCode == 0, "\(sent.stdout) \(sent.stderr)")
            #expect(sent.data["status"] == "pending")
            #expect(sent.data["to"] == .string(to))
            let code = try await harness.verificationCode(to: to)
            #expect(code.count == 8)
            #expect(!sent.stdout.contains(code) && !sent.stderr.contains(code))

            let wrongCode = String(code.reversed()) == code ? "00000000" : String(code.reversed())
            let wrong = await harness.run(
                ["checkVerification", "--debug"] + Harness.inputs(["serviceSid": serviceSid, "to": to, "code": wrongCode]))
            #expect(wrong.exitCode == 0, "\(wrong.stdout)")
            #expect(wrong.data["status"] == "pending")
            #expect(wrong.data["valid"] == false)

            let right = await harness.run(
                ["checkVerification", "--debug"] + Harness.inputs(["serviceSid": serviceSid, "to": to, "code": code]))
            #expect(right.exitCode == 0, "\(right.stdout)")
            #expect(right.data["status"] == "approved")
            #expect(right.data["valid"] == true)
            #expect(!right.stdout.contains(code) && !right.stderr.contains(code), "the code is a secret, scrubbed from output and log")

            let again = await harness.run(["checkVerification"] + Harness.inputs(["serviceSid": serviceSid, "to": to, "code": code]))
            #expect(again.exitCode == 4)
            #expect(again.error["status"] == 404)
            #expect(again.error["code"] == 20404)
            #expect(again.error["retryable"] == false)
            #expect(again.error["message"]?.stringValue?.contains("does not say whether the code was right") == true)
            #expect(!again.stdout.contains(code))
        }
    }

    /// Five checks are allowed; the sixth is 60202, final (one request, not retryable).
    @Test func theSixthCheckReachesMaxAttempts() async throws {
        try await withHarness { harness throws in
            let to = "+14155550124"
            let serviceSid = try await harness.createVerifyService()
            let sent = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": serviceSid, "to": to]))
            let verificationSid = try #require(sent.data["sid"]?.stringValue, "\(sent.stdout)")
            let code = try await harness.verificationCode(to: to)
            let wrongCode = code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let check = await harness.run(
                    ["checkVerification"]
                        + Harness.inputs(["serviceSid": serviceSid, "verificationSid": verificationSid, "code": wrongCode]))
                #expect(check.data["status"] == "pending", "check \(attempt): \(check.stdout)")
            }
            let sixth = await harness.run(
                ["checkVerification"] + Harness.inputs(["serviceSid": serviceSid, "verificationSid": verificationSid, "code": code]))
            #expect(sixth.exitCode == 4)
            #expect(sixth.error["code"] == 60202)
            #expect(sixth.error["status"] == 429)
            #expect(sixth.error["retryable"] == false)
            #expect(sixth.error["details"]?["attempts"] == 1, "a 60202 is not retried")
        }
    }

    @Test func cancelEndsTheVerification() async throws {
        try await withHarness { harness throws in
            let to = "+14155550125"
            let serviceSid = try await harness.createVerifyService()
            _ = await harness.run(["sendVerification"] + Harness.inputs(["serviceSid": serviceSid, "to": to]))
            let code = try await harness.verificationCode(to: to)
            let canceled = await harness.run(["cancelVerification"] + Harness.inputs(["serviceSid": serviceSid, "to": to]))
            #expect(canceled.exitCode == 0, "\(canceled.stdout)")
            #expect(canceled.data["status"] == "canceled")
            #expect(canceled.data["alreadyGone"] == false)
            let check = await harness.run(["checkVerification"] + Harness.inputs(["serviceSid": serviceSid, "to": to, "code": code]))
            #expect(check.error["code"] == 20404)
        }
    }

    /// The inputs a package needs beside the number, as a user would give them.
    static let packageInputs: [String: [String: String]] = [
        "identity_match": ["firstName": "Alex", "lastName": "Rivera", "postalCode": "94107", "dateOfBirth": "1990-12-14"],
        "reassigned_number": ["lastVerifiedDate": "2024-05-14"],
        "pre_fill": ["verificationSid": "VE" + String(repeating: "b", count: 32)],
        "sms_pumping_risk": ["partnerSubId": "tenant-42"],
    ]

    @Test(arguments: [
        "line_type_intelligence", "caller_name", "sms_pumping_risk", "line_status", "sim_swap", "call_forwarding",
        "phone_number_quality_score", "identity_match", "reassigned_number", "pre_fill",
    ])
    func aLookupReturnsEachPackage(field: String) async throws {
        try await withHarness { harness throws in
            let inputs = ["phoneNumber": "+14155550100", "fields": field].merging(Self.packageInputs[field] ?? [:]) { first, _ in first }
            let output = await harness.run(["lookupPhoneNumber"] + Harness.inputs(inputs))
            #expect(output.exitCode == 0, "\(output.stdout) \(output.stderr)")
            #expect(output.data["valid"] == true)
            #expect(output.data["phoneNumber"] == "+14155550100")
            #expect(output.data["countryCode"] == "US")
            let key = field.split(separator: "_").enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.capitalized }.joined()
            let package = output.data[key]
            #expect(package?.objectValue != nil, "\(key) in \(output.stdout)")
            #expect(package?["error_code"] == .null, "\(key) in \(output.stdout)")
            switch field {
            case "identity_match":
                #expect(package?["first_name_match"]?.stringValue?.hasSuffix("match") == true, "\(output.stdout)")
                #expect(package?["city_match"] == "no_data_available")
                #expect(package?["summary_score"]?.intValue != nil)
            case "reassigned_number":
                #expect(package?["last_verified_date"] == "2024-05-14")
                #expect(package?["is_number_reassigned"] == "no")
            case "pre_fill": #expect(package?["first_name"]?.stringValue?.isEmpty == false, "\(output.stdout)")
            default: break
            }
        }
    }

    @Test func aLookupOfANationalOrInvalidNumber() async throws {
        try await withHarness { harness throws in
            let national = await harness.run(
                ["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "(415) 555-0100", "countryCode": "US"]))
            #expect(national.exitCode == 0, "\(national.stdout)")
            #expect(national.data["phoneNumber"] == "+14155550100")
            let invalid = await harness.run(["lookupPhoneNumber"] + Harness.inputs(["phoneNumber": "+1415"]))
            #expect(invalid.exitCode == 0, "\(invalid.stdout)")
            #expect(invalid.data["valid"] == false)
            #expect(invalid.data["validationErrors"]?.arrayValue?.isEmpty == false)
        }
    }
}

extension Harness {
    /// A new Verify service's SID, created through the component.
    func createVerifyService(codeLength: Int = 6) async throws -> String {
        let created = await run(["createVerifyService"] + Harness.inputs(["friendlyName": "Acme", "codeLength": String(codeLength)]))
        return try #require(created.data["sid"]?.stringValue, "\(created.stdout) \(created.stderr)")
    }
}

extension SandboxControlling {
    /// The code of the newest verification to `to`, as the sandbox's control endpoint reveals it.
    func verificationCode(to: String) async throws -> String {
        let response = try await controlClient.send(
            HTTPClientRequest(method: .get, url: baseURL + "/__sandbox/verifications", query: [("to", to)]))
        let verifications = try JSONParser.parse(response.body)["verifications"]?.arrayValue ?? []
        return try #require(verifications.first?["code"]?.stringValue, "no verification to \(to): \(verifications)")
    }
}
