import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// IncomingPhoneNumbers: the starting numbers, list filters and paging, updates with Twilio's
/// refusals, and updates kept across restarts and undone by a reset.
@Suite(.timingInsensitive) struct SandboxNumbersTests {
    func numbersPath(_ client: SandboxTestClient, _ sid: String? = nil) -> String {
        let base = "/2010-04-01/Accounts/\(client.credentials.accountSid)/IncomingPhoneNumbers"
        return sid.map { base + "/\($0).json" } ?? base + ".json"
    }

    func number(_ client: SandboxTestClient, _ phoneNumber: String) async throws -> JSONValue {
        let list = try client.json(try await client.send(.get, numbersPath(client), query: [("PhoneNumber", phoneNumber)]))
        return try #require(list["incoming_phone_numbers"]?.arrayValue?.first)
    }

    @Test func listsTheStartingNumbersWithFiltersAndPaging() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let response = try await client.send(.get, numbersPath(client))
            #expect(response.status == 200)
            let all = try #require(try client.json(response)["incoming_phone_numbers"]?.arrayValue)
            #expect(all.map { $0["phone_number"] } == ["+15005550006", "+15017122661"])
            let magic = all[0]
            #expect(magic["friendly_name"] == "(500) 555-0006")
            #expect(magic["sms_url"] == "" && magic["voice_url"] == "" && magic["status_callback"] == "")
            #expect(magic["sms_method"] == "POST" && magic["voice_method"] == "POST")
            #expect(magic["capabilities"] == ["fax": false, "mms": true, "sms": true, "voice": true])
            let sid = try #require(magic["sid"]?.stringValue)
            #expect(sid.hasPrefix("PN") && sid.count == 34)
            #expect(magic["uri"] == .string(numbersPath(client, sid)))

            for (filter, expected) in [
                (("PhoneNumber", "+15017122661"), ["+15017122661"]), (("PhoneNumber", "555"), ["+15005550006"]),
                (("PhoneNumber", "712*66"), ["+15017122661"]), (("FriendlyName", "(500) 555-0006"), ["+15005550006"]),
                (("FriendlyName", "(500) 555"), []), (("Origin", "hosted"), []),
            ] as [((String, String), [JSONValue])] {
                let list = try client.json(try await client.send(.get, numbersPath(client), query: [filter]))
                #expect(list["incoming_phone_numbers"]?.arrayValue?.map { $0["phone_number"] } == expected, "\(filter)")
            }
            let page = try client.json(try await client.send(.get, numbersPath(client), query: [("PageSize", "1")]))
            #expect(page["incoming_phone_numbers"]?.arrayValue?.count == 1)
            let next = try #require(page["next_page_uri"]?.stringValue)
            let second = try client.json(try await client.send(.get, next))
            #expect(second["incoming_phone_numbers"]?.arrayValue?.map { $0["phone_number"] } == ["+15017122661"])
            #expect(second["next_page_uri"] == .null)

            #expect(try client.json(try await client.send(.get, numbersPath(client, sid))) == magic)
            let missing = try await client.send(.get, numbersPath(client, "PN" + String(repeating: "0", count: 32)))
            #expect(missing.status == 404)
            #expect(try client.json(missing)["code"] == 20404)
        }
    }

    @Test func refusesAPageTooLargeToCountInsteadOfCrashing() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            for query in [
                [("Page", "9223372036854775807"), ("PageToken", "PA1")],
                [("Page", "9223372036854775807"), ("PageSize", "1"), ("PageToken", "PA1")],
                [("Page", "4611686018427387904"), ("PageSize", "2"), ("PageToken", "PA1")],
            ] {
                let response = try await client.send(.get, numbersPath(client), query: query)
                #expect(response.status == 400, "\(query)")
                #expect(try client.json(response)["code"] == 20001, "\(query)")
            }
            let large = try await client.send(
                .get, numbersPath(client), query: [("Page", "1000000"), ("PageSize", "1000"), ("PageToken", "PA1")])
            #expect(large.status == 200)
            #expect(try client.json(large)["start"] == 1_000_000_000)
            #expect(try await client.send(.get, numbersPath(client)).status == 200, "the sandbox is still up")
        }
    }

    @Test func routesANumberToAnApplicationOrATrunk() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try await number(client, "+15017122661")["sid"]?.stringValue)
            let unset = try client.json(try await client.send(.get, numbersPath(client, sid)))
            #expect(unset["voice_application_sid"] == .null && unset["sms_application_sid"] == .null && unset["trunk_sid"] == .null)
            let app = "AP" + String(repeating: "ab", count: 16)
            let smsApp = "AP" + String(repeating: "cd", count: 16)
            let trunk = "TK" + String(repeating: "0f", count: 16)
            let routed = try await client.send(
                .post, numbersPath(client, sid),
                form: [("VoiceApplicationSid", app), ("SmsApplicationSid", smsApp), ("TrunkSid", trunk), ("VoiceApplicationSid", "")])
            #expect(routed.status == 200)
            let json = try client.json(routed)
            #expect(json["voice_application_sid"] == .string(app), "the first of a repeated field wins, as in the other APIs")
            #expect(json["sms_application_sid"] == .string(smsApp) && json["trunk_sid"] == .string(trunk))
            #expect(try client.json(try await client.send(.get, numbersPath(client, sid))) == json)
            for (field, value) in [("VoiceApplicationSid", "AP123"), ("SmsApplicationSid", trunk), ("TrunkSid", app)] {
                let refused = try await client.send(.post, numbersPath(client, sid), form: [(field, value)])
                #expect(refused.status == 400, "\(field)=\(value)")
                #expect(try client.json(refused)["code"] == 20001, "\(field)=\(value)")
            }
            let cleared = try client.json(
                try await client.send(.post, numbersPath(client, sid), form: [("VoiceApplicationSid", ""), ("TrunkSid", "")]))
            #expect(cleared["voice_application_sid"] == .null && cleared["trunk_sid"] == .null)
            #expect(cleared["sms_application_sid"] == .string(smsApp))
        }
    }

    @Test func updatesWebhooksAndRefusesInvalidOnes() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try await number(client, "+15005550006")["sid"]?.stringValue)
            let updated = try await client.send(
                .post, numbersPath(client, sid),
                form: [
                    ("SmsUrl", "https://flows.example.com/sms?tenant=a"), ("SmsMethod", "get"), ("VoiceUrl", "http://127.0.0.1:9/voice"),
                    ("StatusCallback", "https://flows.example.com/status"), ("FriendlyName", "Support line"),
                ])
            #expect(updated.status == 200)
            let number = try client.json(updated)
            #expect(number["sms_url"] == "https://flows.example.com/sms?tenant=a")
            #expect(number["sms_method"] == "GET")
            #expect(number["voice_url"] == "http://127.0.0.1:9/voice")
            #expect(number["voice_method"] == "POST")
            #expect(number["status_callback"] == "https://flows.example.com/status")
            #expect(number["friendly_name"] == "Support line")

            for (form, code) in [
                ([("SmsUrl", "ftp://example.com/sms")], 21402), ([("VoiceFallbackUrl", "not a url")], 21402),
                ([("StatusCallback", "example.com/status")], 21402), ([("VoiceMethod", "PUT")], 21403),
                ([("SmsUrl", "https://ok.example.com"), ("SmsFallbackMethod", "DELETE")], 21403),
            ] as [([(String, String)], Int)] {
                let refused = try await client.send(.post, numbersPath(client, sid), form: form)
                #expect(refused.status == 400, "\(form)")
                #expect(try client.json(refused)["code"] == .integer(code), "\(form)")
            }
            let unchanged = try client.json(try await client.send(.get, numbersPath(client, sid)))
            #expect(unchanged["sms_url"] == "https://flows.example.com/sms?tenant=a", "a refused update changes nothing")

            let cleared = try client.json(try await client.send(.post, numbersPath(client, sid), form: [("SmsUrl", "")]))
            #expect(cleared["sms_url"] == "")
            let missing = try await client.send(
                .post, numbersPath(client, "PN" + String(repeating: "0", count: 32)), form: [("SmsUrl", "")])
            #expect(missing.status == 404)
        }
    }

    @Test func takesScriptedFaultsOnItsRoutes() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try await number(client, "+15005550006")["sid"]?.stringValue)
            for route in ["numbers.update", "numbers.fetch", "numbers.list"] {
                let scripted = try await client.control(
                    .post, "faults", json: ["route": .string(route), "fault": ["type": "status", "status": 503]])
                #expect(scripted.status == 201, "\(route)")
            }
            let update = try await client.send(.post, numbersPath(client, sid), form: [("SmsUrl", "https://example.com/sms")])
            #expect(update.status == 503)
            #expect(try client.json(try await client.send(.get, numbersPath(client, sid)))["code"] == 20503)
            #expect(try await client.send(.get, numbersPath(client)).status == 503)
            let unchanged = try client.json(try await client.send(.get, numbersPath(client, sid)))
            #expect(unchanged["sms_url"] == "", "the failed update changed nothing")
        }
    }

    @Test func keepsUpdatesAcrossRestartsUntilAReset() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-numbers-\(UUID().uuidString).json").path
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".lock")
        }
        let configuration = SandboxConfiguration(stateFile: path, lifecycleStep: .zero)
        let sid = try await withSandbox(configuration) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try await number(client, "+15017122661")["sid"]?.stringValue)
            #expect(try await client.send(.post, numbersPath(client, sid), form: [("VoiceUrl", "https://example.com/voice")]).status == 200)
            return sid
        }
        try await withSandbox(configuration) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let number = try client.json(try await client.send(.get, numbersPath(client, sid)))
            #expect(number["voice_url"] == "https://example.com/voice")
            #expect(try await client.control(.post, "reset").status == 204)
            #expect(try client.json(try await client.send(.get, numbersPath(client, sid)))["voice_url"] == "")
        }
        try await withSandbox(configuration) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let number = try client.json(try await client.send(.get, numbersPath(client, sid)))
            #expect(number["voice_url"] == "", "the reset was kept")
        }
    }
}
