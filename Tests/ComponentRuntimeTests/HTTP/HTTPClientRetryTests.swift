import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Logging
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Timeouts, cancellation, connection reuse and the retry policy, against real servers on 127.0.0.1.
@Suite(.timingSensitive) struct HTTPClientRetryTests {
    let client = CurlHTTPClient(pool: HTTPConnectionPool())

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The bounds tell a timeout from the 5 s answer and from firing early; a loaded machine
    /// schedules late, so they are not a measure of precision.
    @Test func aTimeoutEndsTheAttemptLongBeforeTheAnswer() async throws {
        try await withTestServer(handler: { _ in .delay(.seconds(5), then: .respond(status: 200)) }) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(
                        method: .get, url: server.baseURL + "/slow", timeouts: HTTPTimeouts(perAttempt: .seconds(1)), retry: .never))
            }
            let elapsed = seconds(clock.now - started)
            #expect(error?.kind == .timeout)
            #expect(elapsed >= 0.8 && elapsed < 3, "took \(elapsed) s for a 1 s timeout; the answer was 5 s away")
            let thrown = try #require(error)
            #expect(ComponentError(thrown).kind == .timeout)
        }
    }

    @Test func theOverallDeadlineBoundsEveryAttempt() async throws {
        try await withTestServer(handler: { _ in .delay(.seconds(5), then: .respond(status: 200)) }) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let policy = RetryPolicy(maxRetries: 5, backoff: .none)
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(
                        method: .get, url: server.baseURL + "/slow",
                        timeouts: HTTPTimeouts(perAttempt: .seconds(10), overall: .milliseconds(1500)), retry: policy))
            }
            let elapsed = seconds(clock.now - started)
            #expect(error?.kind == .timeout)
            #expect(elapsed >= 1.2 && elapsed < 3.5, "took \(elapsed) s for a 1.5 s deadline; one attempt alone would take 5 s")
        }
    }

    /// Cancelling ends the wait for an answer due in 10 s at once; the bound is loose (a loaded
    /// machine schedules late), the difference from waiting is not.
    @Test func cancellationAbortsTheWaitAtOnce() async throws {
        try await withTestServer(handler: { _ in .delay(.seconds(10), then: .respond(status: 200)) }) { server in
            let clock = ContinuousClock()
            let task = Task { try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/slow", retry: .never)) }
            try await Task.sleep(for: .milliseconds(300))
            let cancelled = clock.now
            task.cancel()
            let result = await task.result
            let latency = seconds(clock.now - cancelled)
            #expect(latency < 2, "cancellation took \(latency) s")
            guard case .failure(let error as HTTPError) = result else {
                Issue.record("expected a cancellation error, got \(result)")
                return
            }
            #expect(error.kind == .cancelled)
            #expect(error.message == "the request was cancelled before it finished")
        }
    }

    @Test func reusesConnections() async throws {
        try await withTestServer(handler: { _ in .json(200, "{}") }) { server in
            for index in 0..<100 {
                _ = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/r/\(index)"))
            }
            #expect(server.requests.count == 100)
            #expect(server.acceptedConnections < 5, "\(server.acceptedConnections) connections for 100 requests")
        }
    }

    @Test func waitsForRetryAfterOn429() async throws {
        let calls = Atomic<Int>(0)
        try await withTestServer(handler: { _ in
            calls.add(1, ordering: .relaxed).oldValue == 0
                ? .json(429, #"{"code": 20429, "message": "Too Many Requests", "status": 429}"#, headers: [("Retry-After", "1")])
                : .json(201, #"{"sid": "SM1"}"#)
        }) { server in
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await client.send(
                HTTPClientRequest(method: .post, url: server.baseURL + "/Messages.json", body: .form([("To", "+1")])))
            let elapsed = seconds(clock.now - started)
            #expect(response.status == 201)
            #expect(response.attempts == 2)
            #expect(elapsed >= 1.0 && elapsed < 3, "took \(elapsed) s to honour a Retry-After of 1 s")
            let arrivals = server.requests.map(\.receivedAt)
            #expect(arrivals.count == 2)
            #expect(seconds(arrivals[1] - arrivals[0]) >= 0.95)
        }
    }

    @Test func retryAfterAsAnHTTPDateAndItsCap() {
        let now = Date(timeIntervalSince1970: 1_747_262_545)
        #expect(retryAfterDelay("120") == .seconds(120))
        #expect(retryAfterDelay("Wed, 14 May 2025 22:42:35 GMT", now: now) == .seconds(10))
        #expect(retryAfterDelay("soon") == nil)
    }

    @Test func aPOSTDroppedAfterTheServerReadItIsNotRetried() async throws {
        try await withTestServer(handler: { _ in .closeAfterReading }) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .post, url: server.baseURL + "/Messages.json", body: .form([("Body", "hi")])))
            }
            #expect(error?.kind == .network)
            #expect(error?.maybeSent == true)
            #expect(error?.attempts == 1)
            #expect(server.requests.count == 1)
            let component = ComponentError(try #require(error))
            #expect(component.kind == .network)
            #expect(component.maybeSent)
            #expect(component.message.contains("may have reached the server"))
        }
    }

    @Test func aPOSTOnAReusedConnectionThatDiesIsNotResentBehindOurBack() async throws {
        // libcurl re-sends a request on its own when a reused connection dies; the client must stop it for POST.
        let calls = Atomic<Int>(0)
        try await withTestServer(handler: { _ in
            calls.add(1, ordering: .relaxed).oldValue == 0 ? .json(201, "{}") : .closeAfterReading
        }) { server in
            _ = try await client.send(
                HTTPClientRequest(method: .post, url: server.baseURL + "/Messages.json", body: .form([("Body", "one")])))
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .post, url: server.baseURL + "/Messages.json", body: .form([("Body", "two")])))
            }
            #expect(error?.maybeSent == true)
            #expect(server.requests.count == 2, "the server read \(server.requests.count) requests")
            #expect(server.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["Body=one", "Body=two"])
        }
    }

    @Test func aGETDroppedAfterReadingIsRetried() async throws {
        let calls = Atomic<Int>(0)
        try await withTestServer(handler: { _ in
            calls.add(1, ordering: .relaxed).oldValue == 0 ? .closeAfterReading : .json(200, "{}")
        }) { server in
            let response = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/Messages/SM1.json"))
            #expect(response.status == 200)
            #expect(server.requests.count == 2)
        }
    }

    @Test func aPOSTToAClosedPortIsRetried() async throws {
        let reserved = try ReservedPort()
        let port = reserved.port
        let policy = RetryPolicy(maxRetries: 2, backoff: .fixed(.milliseconds(10)))
        let error = await #expect(throws: HTTPError.self) {
            try await client.send(
                HTTPClientRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/Messages.json", body: .form([("Body", "hi")]), retry: policy))
        }
        #expect(error?.kind == .network)
        #expect(error?.attempts == 3)
        #expect(error?.maybeSent == false)
        #expect(error?.message.hasPrefix("Couldn't connect to server") == true)
    }

    @Test func aPOSTIsRetriedWhenTheServerStartsListening() async throws {
        // Connection refused proves nothing was sent, so a send may go again once the server is up.
        let reserved = try ReservedPort()
        let port = reserved.port
        let task = Task {
            try await client.send(
                HTTPClientRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/Messages.json", body: .form([("Body", "hi")]),
                    retry: RetryPolicy(maxRetries: 20, backoff: .fixed(.milliseconds(50)))))
        }
        try await Task.sleep(for: .milliseconds(120))
        // Nothing listened on the port so far; now a server that answers does.
        let server = try TestHTTPServer(listeningOn: reserved) { _ in .json(201, "{}") }
        defer { server.stop() }
        let response = try await task.value
        #expect(response.status == 201)
        #expect(response.attempts > 1)
    }

    @Test func fiveHundredsAreRetriedOnlyForIdempotentMethods() async throws {
        try await withTestServer(handler: { _ in .json(503, #"{"code": 20500}"#) }) { server in
            let policy = RetryPolicy(maxRetries: 2, backoff: .none)
            let get = await #expect(throws: HTTPError.self) {
                try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/x", retry: policy))
            }
            #expect(get?.attempts == 3)
            #expect(get?.maybeSent == false)
            let post = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .post, url: server.baseURL + "/x", body: .form([("a", "b")]), retry: policy))
            }
            #expect(post?.attempts == 1)
            #expect(post?.kind == .upstream)
            #expect(post?.status == 503)
            #expect(post?.bodyJSON == ["code": 20500])
            #expect(post?.maybeSent == true)
            #expect(server.requests.count == 4)
        }
    }

    @Test func retryAllErrorsRetriesEverything() async throws {
        try await withTestServer(handler: { _ in .json(400, #"{"code": 21211}"#) }) { server in
            let policy = RetryPolicy(maxRetries: 3, backoff: .none, retryAllErrors: true)
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .post, url: server.baseURL + "/x", body: .form([("a", "b")]), retry: policy))
            }
            #expect(error?.attempts == 4)
            #expect(server.requests.count == 4)
        }
        try await withTestServer(handler: { _ in .closeAfterReading }) { server in
            let policy = RetryPolicy(maxRetries: 2, backoff: .none, retryAllErrors: true)
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .post, url: server.baseURL + "/x", body: .form([("a", "b")]), retry: policy))
            }
            #expect(error?.attempts == 3)
            #expect(error?.maybeSent == true)
        }
    }

    @Test func exponentialBackoffDelaysGrowAsDocumented() async throws {
        try await withTestServer(handler: { _ in .json(503, "{}") }) { server in
            let policy = RetryPolicy(
                maxRetries: 3, backoff: .exponential(initial: .milliseconds(150), multiplier: 2, maximum: .seconds(5), jitter: false))
            let capture = LogCapture()
            _ = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .get, url: server.baseURL + "/x", retry: policy), logger: capture.logger(level: .debug))
            }
            // The planned waits, from the trace, are exactly the documented ones...
            let planned = capture.text.split(separator: "\n").compactMap { line in
                line.range(of: #"retrying in \d+ ms"#, options: .regularExpression).map { String(line[$0]) }
            }
            #expect(planned == ["retrying in 150 ms", "retrying in 300 ms", "retrying in 600 ms"])
            // ...and the server saw each retry no sooner than its wait (later only by scheduling delay).
            let arrivals = server.requests.map(\.receivedAt)
            #expect(arrivals.count == 4)
            let gaps = zip(arrivals.dropFirst(), arrivals).map { seconds($0 - $1) }
            for (gap, expected) in zip(gaps, [0.15, 0.3, 0.6]) {
                #expect(gap >= expected && gap < expected + 1.5, "gap \(gap) s, expected \(expected) s")
            }
        }
    }

    @Test func jitteredDelaysStayInTheUpperHalf() {
        let policy = RetryPolicy(
            maxRetries: 5, backoff: .exponential(initial: .milliseconds(100), multiplier: 2, maximum: .milliseconds(500), jitter: true))
        for retry in 1...5 {
            let full = [100, 200, 400, 500, 500][retry - 1]
            #expect(policy.delay(beforeRetry: retry, random: { 0 }) == .milliseconds(full / 2))
            #expect(policy.delay(beforeRetry: retry, random: { 1 }) == .milliseconds(full))
        }
        #expect(RetryPolicy(maxRetries: 1, backoff: .fixed(.milliseconds(250))).delay(beforeRetry: 3) == .milliseconds(250))
    }

    @Test func noSecretReachesTheTraceOrTheErrors() async throws {
        let password = "auth-token-7f3e9c1d2b"
        let bearer = "bearer-9d8c7b6a5f4e"
        let capture = LogCapture()
        try await withTestServer(handler: { _ in .json(401, #"{"code": 20003, "message": "Authenticate", "status": 401}"#) }) { server in
            let headers: HTTPFields = [HTTPField.Name("X-Api-Token")!: bearer, .authorization: "Bearer \(bearer)"]
            let request = HTTPClientRequest(
                method: .get, url: server.baseURL.replacingOccurrences(of: "http://", with: "http://user:\(password)@") + "/secret",
                headerFields: headers, auth: BasicAuth(username: "AC123", password: Secret(password)))
            let error = await #expect(throws: HTTPError.self) { try await client.send(request, logger: capture.logger()) }
            #expect(server.requests.last?.header("Authorization") == "Basic " + Data("AC123:\(password)".utf8).base64EncodedString())
            let everything = [
                capture.text, error.map { "\($0)" } ?? "", error?.url ?? "", error?.message ?? "",
                error.map { JSONWriter.string(from: ComponentError($0).envelope) } ?? "",
            ].joined(separator: "\n")
            #expect(capture.text.contains("HTTP GET http://127.0.0.1:\(server.port)/secret → 401"))
            #expect(capture.text.contains("Authorization: Basic <redacted>"))
            for needle in [password, bearer, Data("AC123:\(password)".utf8).base64EncodedString()] {
                #expect(!everything.contains(needle), "found \(needle)")
            }
        }
    }

    /// A secret query parameter goes out as given and shows as `<redacted>` in the trace and the error.
    @Test func secretQueryParametersAreSentAndNeverShown() async throws {
        let nationalID = "YZ 3456/883"
        let capture = LogCapture()
        try await withTestServer(handler: { _ in .json(503, #"{"code": 20503, "message": "busy", "status": 503}"#) }) { server in
            var request = HTTPClientRequest(
                method: .get, url: server.baseURL + "/v2/PhoneNumbers/%2B14155550100?Fields=identity_match",
                query: [("FirstName", "John"), ("NationalId", nationalID)], retry: RetryPolicy(maxRetries: 0, backoff: .none))
            request.secretQueryParameters = ["NationalId"]
            let error = await #expect(throws: HTTPError.self) { try await client.send(request, logger: capture.logger()) }
            #expect(
                server.requests.last?.target
                    == "/v2/PhoneNumbers/%2B14155550100?Fields=identity_match&FirstName=John&NationalId=YZ%203456%2F883")
            let shown = "/v2/PhoneNumbers/%2B14155550100?Fields=identity_match&FirstName=John&NationalId=<redacted>"
            #expect(capture.text.contains("HTTP GET http://127.0.0.1:\(server.port)\(shown) → 503"), "\(capture.text)")
            #expect(error?.url.hasSuffix(shown) == true, "\(error?.url ?? "")")
            let everything = [
                capture.text, error.map { "\($0)" } ?? "", error.map { JSONWriter.string(from: ComponentError($0).envelope) } ?? "",
            ]
            .joined(separator: "\n")
            for needle in [nationalID, "YZ%203456%2F883", "3456%2F883"] { #expect(!everything.contains(needle), "found \(needle)") }
        }
    }
}
