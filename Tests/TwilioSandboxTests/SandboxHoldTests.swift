import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import TwilioSandbox

/// The `hold` fault: Twilio creating a message after the client's attempt timed out. The request
/// is held for the whole time whether or not its client is still there, then processed.
@Suite(.timingInsensitive) struct SandboxHoldTests {
    static let send: [(String, String)] = [("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hello")]
    static let hold = Duration.milliseconds(3000)
    /// Well inside the hold, so that the client is gone long before the message is created.
    static let clientTimeout = Duration.milliseconds(500)

    func script(_ client: SandboxTestClient, _ fault: JSONValue) async throws {
        let response = try await client.control(.post, "faults", json: ["route": "messages.create", "count": 1, "fault": fault])
        #expect(response.status == 201)
    }

    func messages(_ client: SandboxTestClient) async throws -> [JSONValue] {
        try client.json(try await client.control(.get, "messages"))["messages"]?.arrayValue ?? []
    }

    func inFlight(_ client: SandboxTestClient) async throws -> Int? {
        try client.json(try await client.control(.get, "traffic"))["inFlight"]?.intValue
    }

    /// Sends a create under a hold and gives up before the hold ends; the message must still be
    /// created, once, after the hold, with that moment as its date_created.
    func expectHoldOutlivesItsClient(_ client: SandboxTestClient) async throws {
        try await script(client, ["type": "hold", "milliseconds": .integer(Int(Self.hold / .milliseconds(1)))])
        let clock = ContinuousClock()
        let started = clock.now
        let machineStart = Date().timeIntervalSince1970
        let error = await #expect(throws: HTTPError.self) { try await client.create(Self.send, timeout: Self.clientTimeout) }
        #expect(error?.kind == .timeout, "\(String(describing: error))")
        #expect(try await messages(client).isEmpty, "the message was created before the hold ended")
        #expect(try await inFlight(client) == 1, "a held request is in flight until it is processed")

        var created: [JSONValue] = []
        while created.isEmpty, clock.now - started < Self.hold + .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
            created = try await messages(client)
        }
        #expect(clock.now - started >= Self.hold, "the hold was cut short")
        #expect(created.count == 1)
        // date_created is whole seconds, so at most a second before the true moment of creation.
        let dateCreated = try #require(created.first?["date_created"]?.stringValue.flatMap(TwilioDate.date(from:)))
        let holdSeconds = Self.hold / .seconds(1)
        #expect(
            dateCreated.timeIntervalSince1970 >= (machineStart + holdSeconds).rounded(.down), "created at its arrival, not after the hold")

        while try await inFlight(client) != 0, clock.now - started < Self.hold + .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await inFlight(client) == 0)
        #expect(try await messages(client).count == 1, "exactly one message")
    }

    @Test(.timingSensitive) func outlivesAClientThatResetsItsHTTP2Stream() async throws {
        try await withRunningSandbox(SandboxConfiguration(lifecycleStep: .zero, tls: SandboxTLS(http2: true))) { sandbox in
            let client = SandboxTestClient(sandbox)
            try await expectHoldOutlivesItsClient(client)
            // libcurl reset only the stream that timed out: every request went on one connection.
            let traffic = try client.json(try await client.control(.get, "traffic"))
            #expect(traffic["connections"] == 1, "\(traffic)")
            #expect(traffic["requests"]?["HTTP/2"]?.intValue ?? 0 >= 4, "\(traffic)")
        }
    }

    @Test(.timingSensitive) func outlivesAClientThatClosesItsHTTP1Connection() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            try await expectHoldOutlivesItsClient(client)
            // libcurl closed the connection that timed out: the control requests came on another.
            let traffic = try client.json(try await client.control(.get, "traffic"))
            #expect(traffic["connections"]?.intValue ?? 0 >= 2, "\(traffic)")
        }
    }

    /// Hummingbird 2.28 does not cancel a request's task when its client goes, but a server may:
    /// the hold must then go on to the end, and the processing happen after it.
    @Test(.timingSensitive) func cancellingTheRequestCutsNeitherTheHoldNorTheProcessingShort() async {
        let clock = ContinuousClock()
        let started = clock.now
        let request = Task { await HeldRequest.process(after: .milliseconds(400)) { (clock.now, Task.isCancelled) } }
        request.cancel()
        let (processed, cancelled) = await request.value
        #expect(processed - started >= .milliseconds(400), "the hold was cut short")
        #expect(!cancelled, "the processing ran cancelled")
    }

    @Test func answersAClientThatWaitsAfterTheHold() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            try await script(client, ["type": "hold", "milliseconds": 400])
            #expect(
                try client.json(try await client.control(.get, "faults"))["pending"] == [
                    "messages.create": [["type": "hold", "milliseconds": 400]]
                ])
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await client.create(Self.send)
            #expect(response.status == 201)
            #expect(clock.now - started >= .milliseconds(400))
            #expect(try await messages(client).count == 1)
            #expect(try client.json(try await client.control(.get, "faults"))["pending"] == [:])
            let refused = try await client.control(
                .post, "faults", json: ["route": "messages.create", "fault": ["type": "hold", "milliseconds": -1]])
            #expect(refused.status == 400)
        }
    }
}
