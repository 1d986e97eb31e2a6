import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The sandbox held to peers no one here wrote: Twilio's OpenAPI description, and the official
/// `twilio` Python package (client and webhook validator).
@Suite(.timingInsensitive) struct SandboxPeerTests {
    @Test func everyMessagesResponseValidatesAgainstTwiliosOpenAPISchema() async throws {
        try await withSandbox { baseURL, credentials in
            let slice = PythonPeer.root.appendingPathComponent("Tests/TwilioSandboxTests/Fixtures/twilio_api_v2010_messages.json").path
            let output = try await PythonPeer.run(
                script: "sandbox_openapi_check.py", arguments: [baseURL, credentials.accountSid, credentials.authToken, slice])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let report = try JSONParser.parse(output.stdout)
            #expect(report["checked"]?.arrayValue?.count == 22, "\(output.stdout)")
            // Message media and incoming phone numbers.
            #expect(report["mediaAndNumbers"]?.arrayValue?.count == 9, "\(output.stdout)")
            // Verify v2 and Lookup v2, against their own descriptions.
            #expect(report["verifyAndLookup"]?.arrayValue?.count == 20, "\(output.stdout)")
        }
    }

    @Test func theOfficialTwilioPackageWorksUnchanged() async throws {
        try await withSandbox { baseURL, credentials in
            let output = try await PythonPeer.run(
                script: "sandbox_sdk_check.py",
                arguments: [baseURL, credentials.accountSid, credentials.authToken, credentials.apiKeySid, credentials.apiKeySecret])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let report = try JSONParser.parse(output.stdout)
            #expect(
                report["failures"] == [
                    "+15005550006->+15005550001": 21211, "+15005550001->+14155550100": 21212, "+15005550006->+15005550009": 21614,
                ])
            #expect(report["list"] == ["filtered": 125, "all": 126])
            #expect(report["callbacks"] == ["sending", "sent", "delivered"])
            #expect(report["badCredentials"] == 20003)
            #expect(report["calls"] == ["created": "CA", "status": "completed", "hungUp": "completed", "listed": 1, "recordings": 1])
            // Message media, redaction, deletion and incoming phone numbers.
            #expect(report["mediaAndNumbers"] == ["media": 2, "afterDelete": 1, "numbers": 2, "configured": "https://example.com/sms"])
            // Verify and Lookup, each domain's base_url pointed at the sandbox.
            #expect(
                report["verify"] == [
                    "service": "VA", "wrong": "pending", "approved": "approved", "afterApproval": 20404, "sixthCheck": 60202,
                    "canceled": "canceled", "whatsapp": 60223,
                ])
            #expect(
                report["lookup"] == [
                    "type": "nonFixedVoip", "callerName": "Sergio Suarez", "national": "+447772000001", "invalid": ["TOO_LONG"],
                    "reassigned": ["last_verified_date": "2024-05-14", "is_number_reassigned": "no", "error_code": nil],
                ])
        }
    }
}
