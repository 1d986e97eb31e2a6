import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// Each scripted fault, as a client meets it over a real connection.
@Suite(.timingInsensitive) struct SandboxFaultTests {
    static let send: [(String, String)] = [("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hello")]

    func withClient<T>(_ body: (SandboxTestClient) async throws -> T) async throws -> T {
        try await withSandbox { baseURL, credentials in try await body(SandboxTestClient(baseURL: baseURL, credentials: credentials)) }
    }

    func script(_ client: SandboxTestClient, route: String = "messages.create", count: Int = 1, _ fault: JSONValue) async throws {
        let response = try await client.control(.post, "faults", json: ["route": .string(route), "count": .integer(count), "fault": fault])
        #expect(response.status == 201)
    }

    func messageCount(_ client: SandboxTestClient) async throws -> Int {
        try client.json(try await client.control(.get, "messages"))["messages"]?.arrayValue?.count ?? -1
    }

    @Test func answers429WithAndWithoutRetryAfterThenRecovers() async throws {
        try await withClient { client in
            try await script(client, ["type": "status", "status": 429, "retryAfter": "2"])
            try await script(client, ["type": "status", "status": 429])
            let first = try await client.create(Self.send)
            #expect(first.status == 429)
            #expect(first.headerFields[.retryAfter] == "2")
            #expect(
                try client.json(first) == [
                    "code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429,
                ])
            let second = try await client.create(Self.send)
            #expect(second.status == 429)
            #expect(second.headerFields[.retryAfter] == nil)
            #expect(try await client.create(Self.send).status == 201)
            #expect(try await messageCount(client) == 1)
        }
    }

    @Test func answers500And503ForCountRequests() async throws {
        try await withClient { client in
            try await script(client, route: "messages.list", count: 2, ["type": "status", "status": 503])
            try await script(client, route: "messages.list", ["type": "status", "status": 500])
            let statuses = try await [
                client.send(.get, client.messagesPath).status, client.send(.get, client.messagesPath).status,
                client.send(.get, client.messagesPath).status, client.send(.get, client.messagesPath).status,
            ]
            #expect(statuses == [503, 503, 500, 200])
        }
    }

    @Test(.timingSensitive) func delaysBeforeAnswering() async throws {
        try await withClient { client in
            try await script(client, ["type": "delay", "milliseconds": 700])
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await client.create(Self.send)
            let elapsed = clock.now - started
            #expect(response.status == 201)
            #expect(elapsed >= .milliseconds(700) && elapsed < .seconds(3), "took \(elapsed)")
        }
    }

    @Test func dropsTheConnectionBeforeReadingTheRequest() async throws {
        try await withClient { client in
            try await script(client, ["type": "dropBeforeRead"])
            await #expect(throws: HTTPError.self) { try await client.create(Self.send) }
            #expect(try await messageCount(client) == 0, "a request dropped before it was read created a message")
            #expect(try await client.create(Self.send).status == 201)
        }
    }

    @Test func dropsTheConnectionAfterCreatingTheMessage() async throws {
        try await withClient { client in
            try await script(client, ["type": "dropAfterProcessing"])
            let error = await #expect(throws: HTTPError.self) { try await client.create(Self.send) }
            #expect(error?.kind == .network)
            #expect(error?.maybeSent == true)
            #expect(try await messageCount(client) == 1, "the message should exist although the client got no answer")
        }
    }

    @Test func listsPendingFaultsAndResets() async throws {
        try await withClient { client in
            try await script(client, count: 3, ["type": "status", "status": 500])
            let pending = try client.json(try await client.control(.get, "faults"))
            #expect(pending["pending"]?["messages.create"]?.arrayValue?.count == 3)
            _ = try await client.create(Self.send)
            #expect(try client.json(try await client.control(.get, "faults"))["pending"]?["messages.create"]?.arrayValue?.count == 2)
            #expect(try await client.control(.post, "reset").status == 204)
            #expect(try client.json(try await client.control(.get, "faults"))["pending"] == [:])
            #expect(try await client.create(Self.send).status == 201)
            let refused = try await client.control(
                .post, "faults", json: ["route": "messages.nope", "fault": ["type": "status", "status": 500]])
            #expect(refused.status == 400)
        }
    }
}
