import ComponentCore
@testable import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import Testing

/// The caller's wall-clock deadline (`HTTPDeadline`) and the servers' clock (`HTTPServerClock`)
/// through the libcurl client, against real servers on 127.0.0.1.
@Suite(.timingSensitive) struct HTTPDeadlineTests {
    let client = CurlHTTPClient(pool: HTTPConnectionPool())

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func deadline(in milliseconds: Int64) -> HTTPDeadline {
        HTTPDeadline(epochMilliseconds: HTTPDeadline.now() + milliseconds)
    }

    func post(_ server: TestHTTPServer, deadline: HTTPDeadline?, timeouts: HTTPTimeouts = HTTPTimeouts()) async throws -> HTTPClientResponse
    {
        try await HTTPDeadline.$current.withValue(deadline) {
            try await client.send(
                HTTPClientRequest(method: .post, url: server.baseURL + "/Messages.json", body: .form([("Body", "x")]), timeouts: timeouts))
        }
    }

    @Test func aDeadlineAlreadyPassedSendsNothing() async throws {
        try await withTestServer(handler: { _ in .json(201, "{}") }) { server in
            let error = await #expect(throws: HTTPError.self) { try await post(server, deadline: Self.deadline(in: -1)) }
            #expect(error?.kind == .deadlineExceeded)
            #expect(error?.attempts == 0 && error?.maybeSent == false)
            #expect(error?.description.hasPrefix("POST \(server.baseURL)/Messages.json: the request's deadline (") == true)
            #expect(error?.description.hasSuffix(") passed before it was sent") == true, "\(String(describing: error))")
            #expect(server.requests.isEmpty && server.acceptedConnections == 0)
            let classified = ComponentError(try #require(error))
            #expect(classified.kind == .timeout && classified.code == "deadline_exceeded")
            #expect(classified.retryable && !classified.maybeSent)
            #expect(
                classified.message.hasSuffix(
                    "passed before it was sent; nothing was sent. Send it again with a later deadline if it is still wanted."))
        }
    }

    @Test func theDeadlineCutsASlowAttemptShort() async throws {
        try await withTestServer(handler: { _ in .delay(.seconds(5), then: .json(201, "{}")) }) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: HTTPError.self) { try await post(server, deadline: Self.deadline(in: 800)) }
            let elapsed = seconds(clock.now - started)
            #expect(error?.kind == .timeout)
            #expect(error?.maybeSent == true, "the POST was read before the deadline ended it")
            #expect(error?.endedAtDeadline == true)
            #expect(error?.message.contains("the attempt was cut short at the request's deadline") == true, "\(String(describing: error))")
            #expect(elapsed >= 0.6 && elapsed < 3, "took \(elapsed) s for a deadline 0.8 s away; the answer was 5 s away")
            #expect(server.requests.count == 1)
        }
    }

    @Test func aRetryAfterWaitPastTheDeadlineEndsTheRequestWithTheLastAnswer() async throws {
        try await withTestServer(handler: { _ in
            .json(429, #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#, headers: [("Retry-After", "5")])
        }) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: HTTPError.self) { try await post(server, deadline: Self.deadline(in: 1500)) }
            let elapsed = seconds(clock.now - started)
            #expect(error?.kind == .upstream && error?.status == .tooManyRequests)
            #expect(error?.attempts == 1 && error?.maybeSent == false && error?.endedAtDeadline == true)
            #expect(error?.message.contains("the request's deadline (") == true && error?.message.contains("leaves no time") == true)
            #expect(elapsed < 1.2, "waited \(elapsed) s instead of ending at once; the deadline was 1.5 s away")
            #expect(server.requests.count == 1)
            let classified = ComponentError(try #require(error))
            #expect(classified.code == "http_429" && classified.retryable && classified.details?["retryAfter"]?.doubleValue == 5)
        }
    }

    @Test func theEarlierOfTheOverallTimeoutAndTheDeadlineWins() async throws {
        try await withTestServer(handler: { _ in .delay(.seconds(5), then: .respond(status: 200)) }) { server in
            let clock = ContinuousClock()
            for (overall, deadline) in [(Duration.milliseconds(600), Int64(3000)), (.seconds(3), 600)] {
                let started = clock.now
                let error = await #expect(throws: HTTPError.self) {
                    try await HTTPDeadline.$current.withValue(Self.deadline(in: deadline)) {
                        try await client.send(
                            HTTPClientRequest(method: .get, url: server.baseURL + "/slow", timeouts: HTTPTimeouts(overall: overall)))
                    }
                }
                let elapsed = seconds(clock.now - started)
                #expect(error?.kind == .timeout)
                #expect(elapsed >= 0.45 && elapsed < 2, "overall \(overall), deadline in \(deadline) ms: took \(elapsed) s")
            }
        }
    }

    @Test func requestsOfTasksStartedUnderADeadlineKeepIt() async throws {
        try await withTestServer(handler: { _ in .json(200, "{}") }) { server in
            let client = client
            let outcome = await HTTPDeadline.$current.withValue(Self.deadline(in: -1)) {
                // As a listing pages: in a task of its own, started inside the invocation.
                await Task { () -> HTTPError? in
                    do throws(HTTPError) {
                        _ = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/page/2"))
                        return nil
                    } catch {
                        return error
                    }
                }.value
            }
            #expect(outcome?.kind == .deadlineExceeded)
            #expect(server.requests.isEmpty)
        }
    }

    @Test func theLoopChecksTheDeadlineAsLibcurlTakesTheTransfer() async throws {
        try await withTestServer(handler: { _ in .json(201, "{}") }) { server in
            // An attempt the loop takes after its deadline (the process paused meanwhile) never starts.
            let pool = HTTPConnectionPool()
            let attempt = CurlAttempt(
                method: .post, repeatable: false, url: server.baseURL + "/late", headerLines: [], body: Data("Body=x".utf8), auth: nil,
                connectTimeout: .seconds(5), totalTimeout: .seconds(5), maximumResponseBytes: 1 << 20, trust: pool.settings.trust,
                proxy: nil, deadline: Self.deadline(in: -1))
            let loop = pool.loop
            let id = loop.makeID()
            let result = await withCheckedContinuation { continuation in loop.submit(id: id, attempt, continuation: continuation) }
            #expect(result.failure?.kind == .deadlineExceeded && result.failure?.requestMayHaveBeenSent == false)
            #expect(server.requests.isEmpty && server.acceptedConnections == 0)
        }
    }

    @Test func aRequestStillWaitingForAConnectionAtItsDeadlineIsNotSent() async throws {
        try await withTestServer(handler: { _ in .delay(.milliseconds(800), then: .json(201, "{}")) }) { server in
            // One connection per host, held by a slow request: the send waits for it past its deadline.
            let client = CurlHTTPClient(pool: HTTPConnectionPool(settings: HTTPClientSettings(maximumConnectionsPerHost: 1)))
            let busy = Task { try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/busy")) }
            try await Task.sleep(for: .milliseconds(100))
            let error = await #expect(throws: HTTPError.self) {
                try await HTTPDeadline.$current.withValue(Self.deadline(in: 300)) {
                    try await client.send(HTTPClientRequest(method: .post, url: server.baseURL + "/send", body: .form([("Body", "x")])))
                }
            }
            #expect(error?.kind == .deadlineExceeded && error?.maybeSent == false, "\(String(describing: error))")
            _ = try await busy.value
            #expect(server.requests.map(\.target) == ["/busy"])
        }
    }

    @Test func theServerClockKeepsTheDateOfTheLastResponseThatHadOne() async throws {
        let calls = Atomic<Int>(0)
        try await withTestServer(handler: { _ in
            switch calls.add(1, ordering: .relaxed).oldValue {
            case 0: .json(200, "{}", headers: [("Date", "Sun, 06 Dec 2026 10:59:24 GMT")])
            case 1: .json(404, #"{"code": 20404}"#, headers: [("Date", "Sun, 06 Dec 2026 10:59:26 GMT")])
            default: .json(200, "{}")
            }
        }) { server in
            let clock = HTTPServerClock()
            #expect(clock.lastDate == nil)
            await HTTPServerClock.$current.withValue(clock) {
                _ = try? await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/a"))
                #expect(clock.lastDate == Date(timeIntervalSince1970: 1_796_554_764))
                // A failure's answer counts too.
                _ = try? await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/b"))
                #expect(clock.lastDate == Date(timeIntervalSince1970: 1_796_554_766))
                // An answer without a Date leaves the last one.
                _ = try? await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/c"))
                #expect(clock.lastDate == Date(timeIntervalSince1970: 1_796_554_766))
            }
            #expect(server.requests.count == 3)
        }
    }
}
