import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import TwilioSandbox

/// Every response carries one `Date` header, in HTTP's IMF-fixdate form, from the sandbox's
/// clock (not the one the server library adds), as Twilio's do: clients read it to learn
/// Twilio's clock.
@Suite(.timingInsensitive) struct SandboxDateHeaderTests {
    static let send: [(String, String)] = [("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hello")]
    static let offset = 7 * 86_400.0  // a week ahead: the machine's own Date would be far off

    /// The sandbox's responses to success and failure alike, each with its `Date` header.
    func responses(_ client: SandboxTestClient) async throws -> [(String, HTTPClientResponse)] {
        _ = try await client.control(
            .post, "faults", json: ["route": "messages.list", "fault": ["type": "status", "status": 429, "retryAfter": "1"]])
        _ = try await client.control(.post, "faults", json: ["route": "messages.fetch", "fault": ["type": "status", "status": 500]])
        let created = try await client.create(Self.send)
        let sid = try client.json(created)["sid"]?.stringValue ?? ""
        let account = "/2010-04-01/Accounts/\(client.credentials.accountSid).json"
        return [
            ("201 create", created),
            ("429 fault", try await client.send(.get, client.messagesPath)),
            ("500 fault", try await client.send(.get, client.messagePath(sid))),
            ("200 list", try await client.send(.get, client.messagesPath)),
            ("200 fetch", try await client.send(.get, client.messagePath(sid))),
            ("200 account", try await client.send(.get, account)),
            ("204 delete", try await client.send(.delete, client.messagePath(sid))),
            ("404 unknown SID", try await client.send(.get, client.messagePath("SM" + String(repeating: "0", count: 32)))),
            ("400 no To", try await client.create([("From", "+15005550006"), ("Body", "Hi")])),
            (
                "401 bad credentials",
                try await client.send(.get, client.messagesPath, auth: BasicAuth(username: "AC1", password: Secret("x")))
            ),
            ("405 method", try await client.send(.put, account)),
            ("404 path", try await client.send(.get, "/2010-04-01/Nothing.json")),
            ("control", try await client.control(.get, "health")),
        ]
    }

    func expectOneOffsetDateHeader(_ client: SandboxTestClient) async throws {
        let before = Date().timeIntervalSince1970
        let answered = try await responses(client)
        let after = Date().timeIntervalSince1970
        for (what, response) in answered {
            let dates = response.headerFields[values: .date]
            #expect(dates.count == 1, "\(what) (\(response.status)): \(dates)")
            guard let text = dates.first else { continue }
            #expect(text.wholeMatch(of: Self.imfFixdate) != nil, "\(what): \(text) is not IMF-fixdate")
            let seconds = TwilioDate.date(from: text)?.timeIntervalSince1970 ?? 0
            #expect(seconds >= (before + Self.offset).rounded(.down) && seconds <= after + Self.offset, "\(what): \(text)")
        }
        #expect(answered.map(\.1.status.code) == [201, 429, 500, 200, 200, 200, 204, 404, 400, 401, 405, 404, 200])
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`: fixed widths, English names, GMT.
    static var imfFixdate: Regex<Substring> {
        #/(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT/#
    }

    @Test func overHTTP1() async throws {
        try await withRunningSandbox(SandboxConfiguration(lifecycleStep: .zero, clockOffset: .seconds(Self.offset))) { sandbox in
            try await expectOneOffsetDateHeader(SandboxTestClient(sandbox))
        }
    }

    @Test func overHTTP2() async throws {
        let configuration = SandboxConfiguration(lifecycleStep: .zero, tls: SandboxTLS(http2: true), clockOffset: .seconds(Self.offset))
        try await withRunningSandbox(configuration) { sandbox in
            let client = SandboxTestClient(sandbox)
            try await expectOneOffsetDateHeader(client)
            let traffic = try client.json(try await client.control(.get, "traffic"))
            #expect(traffic["requests"]?["HTTP/1.1"] == nil, "\(traffic)")
        }
    }
}
