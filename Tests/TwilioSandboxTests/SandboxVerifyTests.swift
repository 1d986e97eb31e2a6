import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

/// The sandbox's Verify v2: services, verifications with codes revealed only by the control API,
/// checks with Twilio's attempt limits and expiry on the sandbox's clock.
@Suite(.timingInsensitive) struct SandboxVerifyTests {
    /// A Verify client of one sandbox that keeps every API answer, to prove no code is in any.
    final class VerifyClient: Sendable {
        let client: SandboxTestClient
        private let answers = Mutex<[String]>([])

        init(_ client: SandboxTestClient) {
            self.client = client
        }

        var bodies: [String] { answers.withLock { $0 } }

        func send(_ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil, query: [(String, String)] = [])
            async throws -> (status: Int, json: JSONValue)
        {
            let response = try await client.send(method, path, form: form, query: query)
            let text = String(decoding: response.body, as: UTF8.self)
            answers.withLock { $0.append(text) }
            return (response.status.code, text.isEmpty ? .null : try JSONParser.parse(text))
        }

        func createService(_ form: [(String, String)] = [("FriendlyName", "Sandbox test")]) async throws -> String {
            let created = try await send(.post, "/v2/Services", form: form)
            #expect(created.status == 201, "\(created.json)")
            return try #require(created.json["sid"]?.stringValue)
        }

        func sendCode(_ service: String, to: String, channel: String = "sms", extra: [(String, String)] = []) async throws -> (
            status: Int, json: JSONValue
        ) {
            try await send(.post, "/v2/Services/\(service)/Verifications", form: [("To", to), ("Channel", channel)] + extra)
        }

        func check(_ service: String, _ form: [(String, String)]) async throws -> (status: Int, json: JSONValue) {
            try await send(.post, "/v2/Services/\(service)/VerificationCheck", form: form)
        }

        /// The verifications the control API lists for `to`, newest first.
        func verifications(to: String) async throws -> [JSONValue] {
            let response = try await client.http.send(
                HTTPClientRequest(
                    method: .get, url: client.baseURL + "/__sandbox/verifications", query: [("to", to)], retry: .never,
                    acceptedStatuses: 100..<600))
            return try JSONParser.parse(response.body)["verifications"]?.arrayValue ?? []
        }

        func code(to: String) async throws -> String {
            try #require(try await verifications(to: to).first?["code"]?.stringValue)
        }
    }

    func withVerify(
        _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero), _ body: (VerifyClient) async throws -> Void
    )
        async throws
    {
        try await withSandbox(configuration) { baseURL, credentials in
            try await body(VerifyClient(SandboxTestClient(baseURL: baseURL, credentials: credentials)))
        }
    }

    /// A code that is not `code` (same length, last digit changed).
    func wrong(_ code: String) -> String {
        String(code.dropLast()) + (code.last == "0" ? "1" : "0")
    }

    @Test func theWholeFlowApprovesTheRightCodeOnce() async throws {
        try await withVerify { verify in
            let service = try await verify.createService()
            let fetched = try await verify.send(.get, "/v2/Services/\(service)")
            #expect(fetched.status == 200 && fetched.json["code_length"] == 6 && fetched.json["friendly_name"] == "Sandbox test")
            #expect(fetched.json["links"]?["verifications"]?.stringValue == verify.client.baseURL + "/v2/Services/\(service)/Verifications")

            let sent = try await verify.sendCode(service, to: "+14155550100")
            #expect(sent.status == 201, "\(sent.json)")
            #expect(sent.json["status"] == "pending" && sent.json["valid"] == false && sent.json["channel"] == "sms")
            let sid = try #require(sent.json["sid"]?.stringValue)
            #expect(sid.hasPrefix("VE") && sent.json["send_code_attempts"]?.arrayValue?.count == 1)
            let code = try await verify.code(to: "+14155550100")
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))

            let wrongCheck = try await verify.check(service, [("To", "+14155550100"), ("Code", wrong(code))])
            #expect(wrongCheck.status == 200 && wrongCheck.json["status"] == "pending" && wrongCheck.json["valid"] == false)
            let rightCheck = try await verify.check(service, [("VerificationSid", sid), ("Code", code)])
            #expect(rightCheck.status == 200 && rightCheck.json["status"] == "approved" && rightCheck.json["valid"] == true)
            let again = try await verify.check(service, [("To", "+14155550100"), ("Code", code)])
            #expect(again.status == 404 && again.json["code"] == 20404)

            let after = try await verify.send(.get, "/v2/Services/\(service)/Verifications/\(sid)")
            #expect(after.status == 200 && after.json["status"] == "approved")
            let listed = try await verify.verifications(to: "+14155550100")
            // `+` unencoded in the query reads as itself, as the contract writes it.
            let raw = try await verify.client.control(.get, "verifications?to=+14155550100&service=\(service)")
            #expect(try JSONParser.parse(raw.body)["verifications"]?.arrayValue?.count == 1)
            #expect(listed.first?["status"] == "approved" && listed.first?["checkAttempts"] == 2 && listed.first?["sendAttempts"] == 1)
            #expect(!verify.bodies.contains { $0.contains(code) }, "a response carries the code")
        }
    }

    @Test func theSixthCheckIsRefusedWith60202() async throws {
        try await withVerify { verify in
            let service = try await verify.createService([("FriendlyName", "Checks"), ("CodeLength", "8")])
            _ = try await verify.sendCode(service, to: "+14155550101")
            let code = try await verify.code(to: "+14155550101")
            #expect(code.count == 8)
            for _ in 1...5 {
                let check = try await verify.check(service, [("To", "+14155550101"), ("Code", wrong(code))])
                #expect(check.status == 200 && check.json["status"] == "pending")
            }
            let sixth = try await verify.check(service, [("To", "+14155550101"), ("Code", code)])
            #expect(sixth.status == 429 && sixth.json["code"] == 60202, "\(sixth.json)")
            #expect(try await verify.verifications(to: "+14155550101").first?["status"] == "max_attempts_reached")
        }
    }

    @Test func theSixthSendIsRefusedWith60203() async throws {
        try await withVerify { verify in
            let service = try await verify.createService()
            var sids: Set<String> = []
            for attempt in 1...5 {
                let sent = try await verify.sendCode(service, to: "+14155550102", channel: attempt == 3 ? "call" : "sms")
                #expect(sent.status == 201 && sent.json["send_code_attempts"]?.arrayValue?.count == attempt, "\(sent.json)")
                sids.insert(sent.json["sid"]?.stringValue ?? "")
            }
            #expect(sids.count == 1, "a resend is the same verification")
            let sixth = try await verify.sendCode(service, to: "+14155550102")
            #expect(sixth.status == 429 && sixth.json["code"] == 60203, "\(sixth.json)")
            #expect(try await verify.verifications(to: "+14155550102").first?["sendAttempts"] == 5)
        }
    }

    @Test func aVerificationExpiresTenMinutesLaterOnTheSandboxClock() async throws {
        try await withVerify { verify in
            let service = try await verify.createService()
            let sent = try await verify.sendCode(service, to: "+14155550103")
            let code = try await verify.code(to: "+14155550103")
            _ = try await verify.client.control(.post, "clock", json: ["offsetMilliseconds": 601_000])
            let late = try await verify.check(service, [("To", "+14155550103"), ("Code", code)])
            #expect(late.status == 404 && late.json["code"] == 20404)
            #expect(try await verify.verifications(to: "+14155550103").first?["status"] == "expired")
            let fetched = try await verify.send(.get, "/v2/Services/\(service)/Verifications/\(sent.json["sid"]?.stringValue ?? "")")
            #expect(fetched.json["status"] == "expired")
            // A new send after expiry starts a new verification with its own count.
            let again = try await verify.sendCode(service, to: "+14155550103")
            #expect(again.status == 201 && again.json["sid"] != sent.json["sid"])
        }
    }

    @Test func aCanceledVerificationCannotBeChecked() async throws {
        try await withVerify { verify in
            let service = try await verify.createService()
            let byTo = try await verify.sendCode(service, to: "+14155550104")
            let code = try await verify.code(to: "+14155550104")
            let canceled = try await verify.send(
                .post, "/v2/Services/\(service)/Verifications/%2B14155550104", form: [("Status", "canceled")])
            #expect(canceled.status == 200 && canceled.json["status"] == "canceled" && canceled.json["sid"] == byTo.json["sid"])
            let check = try await verify.check(service, [("To", "+14155550104"), ("Code", code)])
            #expect(check.status == 404 && check.json["code"] == 20404)

            let bySid = try await verify.sendCode(service, to: "user@example.com", channel: "email")
            #expect(bySid.status == 201 && bySid.json["channel"] == "email", "\(bySid.json)")
            let sid = try #require(bySid.json["sid"]?.stringValue)
            let approved = try await verify.send(.post, "/v2/Services/\(service)/Verifications/\(sid)", form: [("Status", "approved")])
            #expect(approved.status == 200 && approved.json["status"] == "approved")
            let bad = try await verify.send(.post, "/v2/Services/\(service)/Verifications/\(sid)", form: [("Status", "pending")])
            #expect(bad.status == 400 && bad.json["code"] == 60200)
            let gone = try await verify.send(.post, "/v2/Services/\(service)/Verifications/\(sid)", form: [("Status", "canceled")])
            #expect(gone.status == 404 && gone.json["code"] == 20404)
        }
    }

    @Test func parametersAndChannelsAreCheckedAsTwilioDoes() async throws {
        try await withVerify { verify in
            let noName = try await verify.send(.post, "/v2/Services", form: [("CodeLength", "6")])
            #expect(noName.status == 400 && noName.json["code"] == 60200)
            let short = try await verify.send(.post, "/v2/Services", form: [("FriendlyName", "x"), ("CodeLength", "3")])
            #expect(short.status == 400 && short.json["code"] == 60200)
            let service = try await verify.createService()
            for (to, channel) in [("4155550100", "sms"), ("not-an-address", "email"), ("+14155550100", "carrier-pigeon"), ("", "sms")] {
                let refused = try await verify.sendCode(service, to: to, channel: channel)
                #expect(refused.status == 400 && refused.json["code"] == 60200, "\(to) \(channel): \(refused.json)")
            }
            let noCode = try await verify.check(service, [("To", "+14155550100")])
            #expect(noCode.status == 400 && noCode.json["code"] == 60200)
            let noTarget = try await verify.check(service, [("Code", "123456")])
            #expect(noTarget.status == 400 && noTarget.json["code"] == 60200)

            let whatsapp = try await verify.sendCode(service, to: "+14155550105", channel: "whatsapp")
            #expect(whatsapp.status == 400 && whatsapp.json["code"] == 60223)
            let withSender = try await verify.send(.post, "/v2/Services/\(service)", form: [("Whatsapp.From", "whatsapp:+15005550006")])
            #expect(withSender.status == 200 && withSender.json["whatsapp"]?["from"] == "whatsapp:+15005550006")
            #expect(try await verify.sendCode(service, to: "+14155550105", channel: "whatsapp").status == 201)

            let landline = try await verify.sendCode(service, to: "+14155550190")
            #expect(landline.status == 400 && landline.json["code"] == 60205)
            #expect(try await verify.sendCode(service, to: "+14155550190", channel: "call").status == 201)
            let blocked = try await verify.sendCode(service, to: "+88212345678")
            #expect(blocked.status == 403 && blocked.json["code"] == 60410)

            let notEnabled = try await verify.sendCode(service, to: "+14155550106", extra: [("CustomCode", "A1B2C3")])
            #expect(notEnabled.status == 403 && notEnabled.json["code"] == 60204, "custom codes are off by default, as Twilio's")
            #expect(try await verify.send(.get, "/v2/Services/\(service)").json["custom_code_enabled"] == false)
            let enabled = try await verify.send(.post, "/v2/Services/\(service)", form: [("CustomCodeEnabled", "true")])
            #expect(enabled.status == 200 && enabled.json["custom_code_enabled"] == true)
            let custom = try await verify.sendCode(service, to: "+14155550106", extra: [("CustomCode", "A1B2C3"), ("Locale", "pt-BR")])
            #expect(custom.status == 201)
            #expect(try await verify.code(to: "+14155550106") == "A1B2C3")
            #expect(try await verify.check(service, [("To", "+14155550106"), ("Code", "A1B2C3")]).json["status"] == "approved")
            #expect(!verify.bodies.contains { $0.contains("A1B2C3") }, "a response carries the custom code")

            let unknown = try await verify.sendCode("VA" + String(repeating: "0", count: 32), to: "+14155550100")
            #expect(unknown.status == 404 && unknown.json["code"] == 20404)
        }
    }

    @Test func servicesArePagedAndDeleted() async throws {
        try await withVerify { verify in
            var sids: [String] = []
            for index in 1...3 { sids.append(try await verify.createService([("FriendlyName", "Service \(index)")])) }
            let first = try await verify.send(.get, "/v2/Services", query: [("PageSize", "2")])
            #expect(first.json["services"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[2], sids[1]])
            #expect(first.json["meta"]?["key"] == "services" && first.json["meta"]?["page_size"] == 2)
            let next = try #require(first.json["meta"]?["next_page_url"]?.stringValue)
            #expect(next.hasPrefix(verify.client.baseURL + "/v2/Services?"))
            let second = try await verify.send(.get, String(next.dropFirst(verify.client.baseURL.count)))
            #expect(second.json["services"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [sids[0]])
            #expect(second.json["meta"]?["next_page_url"] == .null && second.json["meta"]?["page"] == 1)
            #expect(try await verify.send(.delete, "/v2/Services/\(sids[0])").status == 204)
            #expect(try await verify.send(.get, "/v2/Services/\(sids[0])").status == 404)
            #expect(try await verify.send(.delete, "/v2/Services/\(sids[0])").json["code"] == 20404)
        }
    }

    @Test func refusesAPageTooLargeToCountInsteadOfCrashing() async throws {
        try await withVerify { verify in
            _ = try await verify.createService()
            for query in [
                [("Page", "9223372036854775807"), ("PageSize", "2")], [("Page", "9223372036854775807"), ("PageSize", "1")],
                [("Page", "9223372036854775807"), ("PageToken", "PA1")],
            ] {
                let answer = try await verify.send(.get, "/v2/Services", query: query)
                #expect(answer.status == 400 && answer.json["code"] == 20001, "\(query)")
            }
            let far = try await verify.send(.get, "/v2/Services", query: [("Page", "1000000"), ("PageSize", "1000")])
            #expect(far.status == 200 && far.json["services"]?.arrayValue?.isEmpty == true && far.json["meta"]?["page"] == 1_000_000)
        }
    }

    @Test func faultsTargetVerifyRoutes() async throws {
        try await withVerify { verify in
            let service = try await verify.createService()
            _ = try await verify.client.control(
                .post, "faults", json: ["route": "verify.check", "fault": ["type": "status", "status": 429, "code": 60212]])
            let struck = try await verify.check(service, [("To", "+14155550100"), ("Code", "123456")])
            #expect(struck.status == 429 && struck.json["code"] == 60212)
            let unauthenticated = try await verify.client.send(
                .get, "/v2/Services", auth: BasicAuth(username: verify.client.credentials.accountSid, password: Secret("0" * 32)))
            #expect(unauthenticated.status.code == 401)
        }
    }

    @Test func codesStaySecretAndSurviveARestartSealed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateFile = directory.appendingPathComponent("state.json").path
        let configuration = SandboxConfiguration(stateFile: stateFile, lifecycleStep: .zero)
        var code = ""
        var service = ""
        try await withVerify(configuration) { verify in
            service = try await verify.createService()
            _ = try await verify.sendCode(service, to: "+14155550107")
            code = try await verify.code(to: "+14155550107")
            _ = try await verify.check(service, [("To", "+14155550107"), ("Code", wrong(code))])
            let traffic = try await verify.client.control(.get, "traffic")
            #expect(!String(decoding: traffic.body, as: UTF8.self).contains(code))
            let webhooks = try await verify.client.control(.get, "webhooks")
            #expect(!String(decoding: webhooks.body, as: UTF8.self).contains(code))
        }
        let written = try String(contentsOfFile: stateFile + ".verify.json", encoding: .utf8)
        #expect(written.contains("+14155550107") && !written.contains("\"\(code)\""), "the state file holds the code in the clear")
        try await withVerify(configuration) { verify in
            #expect(try await verify.code(to: "+14155550107") == code)
            let check = try await verify.check(service, [("To", "+14155550107"), ("Code", code)])
            #expect(check.json["status"] == "approved" && check.json["valid"] == true, "\(check.json)")
        }
    }
}

extension String {
    fileprivate static func * (text: String, count: Int) -> String { String(repeating: text, count: count) }
}

/// Verify's 60212, which needs requests to land while another is held: apart from the rest of the
/// suite (``TimingGate``), so a loaded machine does not let the hold end first.
@Suite(.timingSensitive) struct SandboxVerifyConcurrencyTests {
    /// Returns once the sandbox holds a request (its API requests in flight are 1), so the next
    /// request arrives while it is held, however slowly the first one was sent.
    static func untilHeld(_ client: SandboxTestClient) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        while try client.json(try await client.control(.get, "traffic"))["inFlight"]?.intValue != 1 {
            try #require(clock.now - started < .seconds(10), "the held request never reached the sandbox")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// While Twilio still works on a create or a check (held by a fault), another for the same
    /// recipient of the same service is 429 / 60212; other recipients and services go through,
    /// and the held request is processed as usual.
    @Test func concurrentRequestsForOneRecipientAre60212() async throws {
        try await SandboxVerifyTests().withVerify { verify in
            let service = try await verify.createService()
            let other = try await verify.createService()
            _ = try await verify.client.control(
                .post, "faults", json: ["route": "verify.create", "fault": ["type": "hold", "milliseconds": 6000]])
            async let held = verify.sendCode(service, to: "+14155550100")
            try await Self.untilHeld(verify.client)
            let concurrent = try await verify.sendCode(service, to: "+14155550100")
            #expect(concurrent.status == 429 && concurrent.json["code"] == 60212, "\(concurrent.json)")
            let check = try await verify.check(service, [("To", "+14155550100"), ("Code", "123456")])
            #expect(check.status == 429 && check.json["code"] == 60212, "\(check.json)")
            #expect(try await verify.sendCode(service, to: "+14155550101").status == 201)
            #expect(try await verify.sendCode(other, to: "+14155550100").status == 201)
            let first = try await held
            #expect(first.status == 201, "\(first.json)")
            let sid = try #require(first.json["sid"]?.stringValue)

            // A check named by its VerificationSid is the same recipient's.
            _ = try await verify.client.control(
                .post, "faults", json: ["route": "verify.check", "fault": ["type": "hold", "milliseconds": 6000]])
            // This verification's code: the other service's, to the same number, may be newer.
            let code = try #require(
                try await verify.verifications(to: "+14155550100").first { $0["sid"] == .string(sid) }?["code"]?.stringValue)
            async let heldCheck = verify.check(service, [("VerificationSid", sid), ("Code", code)])
            try await Self.untilHeld(verify.client)
            let byTo = try await verify.check(service, [("To", "+14155550100"), ("Code", code)])
            #expect(byTo.status == 429 && byTo.json["code"] == 60212, "\(byTo.json)")
            #expect(try await heldCheck.json["status"] == "approved")
            #expect(try await verify.sendCode(service, to: "+14155550100").status == 201, "nothing is left in flight")
        }
    }
}
