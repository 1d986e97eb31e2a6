import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// The Messages API: validation and error codes, the message shape, listing and paging, updates,
/// deletion, authentication, segments and persistence.
@Suite(.timingInsensitive) struct SandboxMessagesTests {
    func withClient<T>(
        _ configuration: SandboxConfiguration = SandboxConfiguration(lifecycleStep: .zero), _ body: (SandboxTestClient) async throws -> T
    ) async throws -> T {
        try await withSandbox(configuration) { baseURL, credentials in
            try await body(SandboxTestClient(baseURL: baseURL, credentials: credentials))
        }
    }

    static let valid: [(String, String)] = [("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hello")]
    static let appointment = "HX" + String(repeating: "a1", count: 16)

    static func replacing(_ name: String, with value: String?) -> [(String, String)] {
        var form = valid.filter { $0.0 != name }
        if let value { form.append((name, value)) }
        return form
    }

    @Test func createsAMessageWithEveryField() async throws {
        try await withClient { client in
            let response = try await client.create(Self.valid)
            #expect(response.status == 201)
            let message = try client.json(response)
            #expect(
                message.objectValue?.keys == [
                    "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction", "error_code",
                    "error_message", "from", "messaging_service_sid", "num_media", "num_segments", "price", "price_unit", "sid",
                    "status", "subresource_uris", "to", "uri",
                ])
            let sid = try #require(message["sid"]?.stringValue)
            #expect(sid.count == 34 && sid.hasPrefix("SM") && sid.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(message["status"] == "queued")
            #expect(message["date_sent"] == .null)
            #expect(message["num_segments"] == "1")
            #expect(message["num_media"] == "0")
            #expect(message["price"] == .null)
            #expect(message["direction"] == "outbound-api")
            #expect(message["uri"] == .string(client.messagePath(sid)))
            #expect(
                message["subresource_uris"] == [
                    "media": .string("/2010-04-01/Accounts/\(client.credentials.accountSid)/Messages/\(sid)/Media.json")
                ])
            let created = try #require(message["date_created"]?.stringValue)
            #expect(
                created.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression)
                    != nil)
        }
    }

    @Test(
        arguments: [
            (replacing("From", with: nil), 21603, 400),
            (replacing("To", with: nil), 21604, 400),
            (replacing("Body", with: nil), 21602, 400),
            (replacing("Body", with: String(repeating: "a", count: 1601)), 21617, 400),
            (replacing("To", with: "5551234567"), 21211, 400),
            (replacing("From", with: "not a number!"), 21212, 400),
            (replacing("From", with: "+15005550001"), 21212, 400),
            (replacing("From", with: "+15005550007"), 21606, 400),
            (replacing("From", with: "+15005550008"), 21611, 400),
            (replacing("To", with: "+15005550001"), 21211, 400),
            (replacing("To", with: "+15005550002"), 21612, 400),
            (replacing("To", with: "+15005550003"), 21408, 400),
            (replacing("To", with: "+15005550004"), 21610, 400),
            (replacing("To", with: "+15005550009"), 21614, 400),
            (replacing("To", with: "+15005550006"), 21266, 400),
            (valid + [("MediaUrl", "ftp://example.com/a.png")], 21620, 400),
            (valid + Array(repeating: ("MediaUrl", "https://example.com/a.png"), count: 11), 21623, 400),
            (valid + [("StatusCallback", "not a url")], 21609, 400),
            (valid + [("ValidityPeriod", "36001")], 20001, 400),
            (valid + [("ScheduleType", "fixed")], 35111, 400),
            (valid + [("ScheduleType", "fixed"), ("SendAt", "2099-01-01T00:00:00Z")], 35118, 400),
            (
                replacing("From", with: "MG" + String(repeating: "a", count: 32)) + [
                    ("ScheduleType", "fixed"), ("SendAt", ISO8601Timestamp.string(from: Date().addingTimeInterval(60))),
                ], 35114, 400
            ),
            (
                replacing("From", with: "MG" + String(repeating: "a", count: 32)) + [
                    ("ScheduleType", "fixed"), ("SendAt", ISO8601Timestamp.string(from: Date().addingTimeInterval(40 * 86_400))),
                ], 35115, 400
            ),
            (valid + [("ContentVariables", #"{"1":"a"}"#)], 21654, 400),
            (valid + [("ContentSid", "HX" + String(repeating: "0", count: 32))], 21655, 400),
            (valid + [("ContentSid", "HX123")], 21655, 400),
            (valid + [("ContentSid", appointment), ("ContentVariables", "1=Friday")], 21656, 400),
            (valid + [("ContentSid", appointment), ("ContentVariables", #"{"1":""}"#)], 21656, 400),
            (valid + [("ContentSid", appointment), ("ContentVariables", #"{"1":null}"#)], 21656, 400),
            (replacing("To", with: "whatsapp:+14155550100"), 21910, 400),
            (replacing("From", with: "whatsapp:+15005550006"), 21910, 400),
            (valid + [("ShortenUrls", "true")], 20001, 400),
            (valid + [("SmartEncoded", "yes")], 20001, 400),
            (valid + [("MaxPrice", "-0.5")], 20001, 400),
            (valid + [("RiskCheck", "off")], 20001, 400),
            (valid + [("Attempt", "0")], 20001, 400),
        ] as [([(String, String)], Int, Int)])
    func rejectsInvalidSendsWithTwiliosCodes(form: [(String, String)], code: Int, status: Int) async throws {
        try await withClient { client in
            let response = try await client.create(form)
            let body = try client.json(response)
            #expect(response.status.code == status)
            #expect(body["code"] == .integer(code))
            #expect(body["status"] == .integer(status))
            #expect(body["more_info"] == .string("https://www.twilio.com/docs/errors/\(code)"))
            #expect(body["message"]?.stringValue?.isEmpty == false)
            #expect(body.objectValue?.keys == ["code", "message", "more_info", "status"])
            let all = try client.json(try await client.control(.get, "messages"))
            #expect(all["messages"]?.arrayValue?.isEmpty == true, "a rejected send created a message")
        }
    }

    /// A content template's body, rendered from the send's variables and else the template's own;
    /// the templates a test adds, and the ones it cannot.
    @Test func rendersContentTemplates() async throws {
        try await withClient { client in
            let builtIn = try client.json(
                try await client.create(Self.valid + [("ContentSid", Self.appointment), ("ContentVariables", #"{"2":"4pm","9":7}"#)]))
            #expect(builtIn["body"] == "Your appointment is coming up on 12/1 at 4pm. Reply C to confirm.")

            let added = try await client.control(
                .post, "content", json: ["body": "Hi {{ name }}, {{name}} again: {{1}}", "variables": ["1": "one"]])
            #expect(added.status == .created)
            let sid = try #require(try client.json(added)["sid"]?.stringValue)
            #expect(sid.range(of: "^HX[0-9a-f]{32}$", options: .regularExpression) != nil)
            let rendered = try client.json(
                try await client.create(
                    Self.replacing("Body", with: nil) + [("ContentSid", sid), ("ContentVariables", #"{"name":"Ada"}"#)]))
            #expect(rendered["body"] == "Hi Ada, Ada again: one")
            #expect(rendered["num_segments"] == "1")
            let listed = try client.json(try await client.control(.get, "content"))["contents"]?.arrayValue ?? []
            #expect(listed.count == 4)

            for broken in ["Hi {{}}", "Hi {{name", "Hi {{a-b}}", ""] {
                let refused = try await client.control(.post, "content", json: ["body": .string(broken)])
                #expect(refused.status == .badRequest, "\(broken)")
            }
            _ = try await client.control(.post, "reset")
            #expect(try client.json(try await client.control(.get, "content"))["contents"]?.arrayValue?.count == 3)
        }
    }

    @Test func smartEncodingAndLinkShorteningChangeTheStoredBody() async throws {
        try await withClient { client in
            let service = "MG" + String(repeating: "a", count: 32)
            let smart = try client.json(
                try await client.create(Self.replacing("Body", with: "“Hi” – it’s here…\u{00A0}ok") + [("SmartEncoded", "true")]))
            #expect(smart["body"] == "\"Hi\" - it's here... ok")
            let plain = try client.json(try await client.create(Self.replacing("Body", with: "“Hi”") + [("SmartEncoded", "false")]))
            #expect(plain["body"] == "“Hi”")
            let short = try client.json(
                try await client.create([
                    ("To", "+14155550100"), ("MessagingServiceSid", service), ("Body", "a https://example.com/x?y=1 b http://e.org"),
                    ("ShortenUrls", "true"),
                ]))
            let body = try #require(short["body"]?.stringValue)
            #expect(
                body.range(of: #"^a https://sbx\.link/[A-Za-z0-9]{10} b https://sbx\.link/[A-Za-z0-9]{10}$"#, options: .regularExpression)
                    != nil,
                "\(body)")
        }
    }

    @Test func authenticatesWithTheAuthTokenOrTheAPIKey() async throws {
        try await withClient { client in
            let credentials = client.credentials
            let key = try await client.send(
                .get, client.messagesPath, auth: BasicAuth(username: credentials.apiKeySid, password: Secret(credentials.apiKeySecret)))
            #expect(key.status == 200)
            for auth in [
                BasicAuth(username: credentials.accountSid, password: Secret("0123456789abcdef0123456789abcdef")),
                BasicAuth(username: credentials.apiKeySid, password: Secret(credentials.authToken)),
            ] {
                let refused = try await client.send(.get, client.messagesPath, auth: auth)
                #expect(refused.status == 401)
                #expect(
                    try client.json(refused) == [
                        "code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authenticate",
                        "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401,
                    ])
            }
            let missing = try await client.http.send(
                HTTPClientRequest(method: .get, url: client.baseURL + client.messagesPath, retry: .never, acceptedStatuses: 100..<600))
            #expect(missing.status == 401)
            let other = "/2010-04-01/Accounts/AC" + String(repeating: "0", count: 32) + "/Messages.json"
            let unknown = try await client.send(.get, other)
            #expect(unknown.status == 404)
            #expect(try client.json(unknown)["code"] == 20404)
        }
    }

    @Test func fetchesUpdatesAndDeletes() async throws {
        try await withClient { client in
            let sid = try #require(try client.json(try await client.create(Self.valid))["sid"]?.stringValue)
            let fetched = try await client.send(.get, client.messagePath(sid))
            #expect(fetched.status == 200)
            #expect(try client.json(fetched)["status"] == "delivered")  // an instant clock

            let missingSid = "SM" + String(repeating: "f", count: 32)
            let missing = try await client.send(.get, client.messagePath(missingSid))
            #expect(missing.status == 404)
            #expect(
                try client.json(missing) == [
                    "code": 20404, "message": .string("The requested resource \(client.messagePath(missingSid)) was not found"),
                    "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404,
                ])

            let redacted = try await client.send(.post, client.messagePath(sid), form: [("Body", "")])
            #expect(redacted.status == 200)
            #expect(try client.json(redacted)["body"] == "")
            for form in [[("Body", "new text")], [], [("Status", "sent")], [("Body", ""), ("Status", "canceled")]] as [[(String, String)]] {
                let invalid = try await client.send(.post, client.messagePath(sid), form: form)
                #expect(invalid.status == 400)
                #expect(try client.json(invalid)["code"] == 30400)
            }
            let notScheduled = try await client.send(.post, client.messagePath(sid), form: [("Status", "canceled")])
            #expect(try client.json(notScheduled)["code"] == 30409)

            let deleted = try await client.send(.delete, client.messagePath(sid))
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(try await client.send(.get, client.messagePath(sid)).status == 404)
            #expect(try await client.send(.delete, client.messagePath(sid)).status == 404)
        }
    }

    @Test func schedulesAndCancelsThroughAMessagingService() async throws {
        try await withClient { client in
            let service = "MG" + String(repeating: "c", count: 32)
            let sendAt = ISO8601Timestamp.string(from: Date().addingTimeInterval(3600))
            let created = try client.json(
                try await client.create([
                    ("To", "+14155550100"), ("MessagingServiceSid", service), ("Body", "Later"), ("ScheduleType", "fixed"),
                    ("SendAt", sendAt),
                ]))
            #expect(created["status"] == "scheduled")
            #expect(created["from"] == .null)
            #expect(created["num_segments"] == "0")
            #expect(created["messaging_service_sid"] == .string(service))
            let sid = try #require(created["sid"]?.stringValue)
            let canceled = try await client.send(.post, client.messagePath(sid), form: [("Status", "canceled")])
            #expect(try client.json(canceled)["status"] == "canceled")
            let accepted = try client.json(try await client.create([("To", "+14155550100"), ("From", service), ("Body", "Now")]))
            #expect(accepted["status"] == "accepted")
        }
    }

    @Test func deletingAMessageInFlightIsRefused() async throws {
        try await withClient(SandboxConfiguration(lifecycleStep: .seconds(30))) { client in
            let sid = try #require(try client.json(try await client.create(Self.valid))["sid"]?.stringValue)
            let refused = try await client.send(.delete, client.messagePath(sid))
            #expect(refused.status == 400)
            #expect(try client.json(refused)["code"] == 20009)
        }
    }

    @Test func listsMostRecentFirstWithFiltersAndPaging() async throws {
        try await withClient { client in
            var sids: [String] = []
            for index in 0..<7 {
                let to = index.isMultiple(of: 2) ? "+14155550100" : "+14155550101"
                sids.append(
                    try #require(
                        try client.json(try await client.create([("To", to), ("From", "+15005550006"), ("Body", "n\(index)")]))["sid"]?
                            .stringValue))
            }
            let all = try client.json(try await client.send(.get, client.messagesPath))
            #expect(all["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == sids.reversed())
            #expect(all["page_size"] == 50)
            #expect(all["start"] == 0 && all["end"] == 6)
            #expect(all["next_page_uri"] == .null && all["previous_page_uri"] == .null)

            let first = try client.json(
                try await client.send(.get, client.messagesPath, query: [("To", "+14155550100"), ("PageSize", "2")]))
            let evens = sids.enumerated().filter { $0.offset.isMultiple(of: 2) }.map(\.element).reversed().map { $0 }
            #expect(first["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == Array(evens[0..<2]))
            #expect(first["uri"] == .string(client.messagesPath + "?To=%2B14155550100&PageSize=2&Page=0"))
            let next = try #require(first["next_page_uri"]?.stringValue)
            #expect(next.hasPrefix(client.messagesPath + "?To=%2B14155550100&PageSize=2&Page=1&PageToken=PA"), "\(next)")
            // The token names a position: deleting the message the page ended on changes nothing.
            #expect(try await client.send(.delete, client.messagePath(evens[1])).status == 204)
            let second = try client.json(try await client.send(.get, next))
            #expect(second["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == Array(evens[2..<4]))
            #expect(second["page"] == 1 && second["start"] == 2 && second["end"] == 3)
            #expect(second["next_page_uri"] == .null)
            let previous = try #require(second["previous_page_uri"]?.stringValue)
            #expect(previous.hasPrefix(client.messagesPath + "?To=%2B14155550100&PageSize=2&Page=0&PageToken=PB"), "\(previous)")
            let back = try client.json(try await client.send(.get, previous))
            #expect(back["messages"]?.arrayValue?.compactMap { $0["sid"]?.stringValue } == [evens[0]])

            let noToken = try await client.send(.get, client.messagesPath, query: [("Page", "1")])
            #expect(noToken.status == 400)
            #expect(
                try client.json(noToken) == [
                    "code": 20001, "message": "PageToken is required for paging.", "more_info": "https://www.twilio.com/docs/errors/20001",
                    "status": 400,
                ])
            let today = String(ISO8601Timestamp.string(from: Date()).prefix(10))
            for (name, value, count) in [
                ("DateSent", today, 6), ("DateSent<", "2000-01-01", 0), ("DateSent>", today, 6), ("DateSent>", "2999-01-01", 0),
            ] {
                let filtered = try client.json(try await client.send(.get, client.messagesPath, query: [(name, value)]))
                #expect(filtered["messages"]?.arrayValue?.count == count, "\(name)=\(value)")
            }
            let encodedKey = try client.json(try await client.send(.get, client.messagesPath, query: [("DateSent>", today)]))
            #expect(encodedKey["uri"]?.stringValue?.contains("DateSent%3E=\(today)") == true)
            let capped = try client.json(try await client.send(.get, client.messagesPath, query: [("PageSize", "5000")]))
            #expect(capped["page_size"] == 1000)
        }
    }

    @Test func fetchesTheAccount() async throws {
        try await withClient { client in
            let response = try await client.send(.get, "/2010-04-01/Accounts/\(client.credentials.accountSid).json")
            #expect(response.status == 200)
            let account = try client.json(response)
            #expect(account["sid"] == .string(client.credentials.accountSid))
            #expect(account["status"] == "active")
            #expect(account["auth_token"] == nil)
        }
    }

    @Test(arguments: [
        ("", 1), ("Hello", 1), (String(repeating: "a", count: 160), 1), (String(repeating: "a", count: 161), 2),
        (String(repeating: "a", count: 306), 2), (String(repeating: "a", count: 307), 3),
        (String(repeating: "€", count: 80), 1), (String(repeating: "€", count: 81), 2), (String(repeating: "a", count: 152) + "€", 1),
        (String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152), 3),
        (String(repeating: "é", count: 160), 1), (String(repeating: "ç", count: 70), 1), (String(repeating: "ç", count: 71), 2),
        (String(repeating: "ç", count: 134), 2), (String(repeating: "ç", count: 135), 3), (String(repeating: "😀", count: 35), 1),
        (String(repeating: "😀", count: 36), 2), (String(repeating: "a", count: 66) + "😀", 1), (String(repeating: "a", count: 69) + "😀", 2),
        (String(repeating: "a", count: 66) + "😀" + String(repeating: "a", count: 66), 3),
    ])
    func countsSegmentsByGSMAndUCS2Rules(body: String, segments: Int) async throws {
        try await withClient { client in
            let form: [(String, String)] =
                body.isEmpty
                ? [("To", "+14155550100"), ("From", "+15005550006"), ("MediaUrl", "https://example.com/a.png")]
                : [("To", "+14155550100"), ("From", "+15005550006"), ("Body", body)]
            let message = try client.json(try await client.create(form))
            #expect(message["num_segments"] == .string(String(segments)), "\(body.count) characters")
        }
    }

    @Test func keepsMessagesInAStateFileAndReportsACorruptOne() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-state-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sid = try await withClient(SandboxConfiguration(stateFile: path, lifecycleStep: .zero)) { client in
            try client.json(try await client.create(Self.valid))["sid"]?.stringValue
        }
        let fetched = try await withClient(SandboxConfiguration(stateFile: path, lifecycleStep: .zero)) { client in
            try await client.send(.get, client.messagePath(try #require(sid))).status
        }
        #expect(fetched == 200)

        try "{ not json".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: SandboxStateError.self) { try await TwilioSandbox.start(SandboxConfiguration(stateFile: path)) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{ not json", "the corrupt file was replaced")
    }
}
