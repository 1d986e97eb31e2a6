import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// ``HTTPError/earlierAttemptMayHaveTakenEffect``: after which earlier attempts the last answer
/// may follow work already done (so a 404 to a retried DELETE means "already gone"), against real
/// servers on 127.0.0.1.
@Suite(.timingInsensitive) struct HTTPEarlierAttemptTests {
    let client = CurlHTTPClient(pool: HTTPConnectionPool())
    static let notFound = TestHTTPServer.Action.json(404, #"{"code": 20404}"#)

    /// The error of a DELETE whose server answers `script` in turn, then 404.
    func deleteError(
        after script: [TestHTTPServer.Action], timeouts: HTTPTimeouts? = nil
    ) async throws -> (HTTPError?, requests: Int) {
        try await withTestServer(handler: TestHTTPServer.script(script, then: Self.notFound)) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(
                        method: .delete, url: server.baseURL + "/Recordings/RE1.json", timeouts: timeouts,
                        retry: RetryPolicy(maxRetries: 3, backoff: .none)))
            }
            return (error, server.requests.count)
        }
    }

    @Test func aFourOhFourAfterA429FollowsNothingDone() async throws {
        let (error, requests) = try await deleteError(after: [.json(429, #"{"code": 20429}"#)])
        #expect(requests == 2)
        #expect(error?.status == 404)
        #expect(error?.attempts == 2)
        #expect(error?.earlierAttemptMayHaveTakenEffect == false)
    }

    @Test func aFourOhFourAtTheFirstAttemptFollowsNothing() async throws {
        let (error, requests) = try await deleteError(after: [])
        #expect(requests == 1)
        #expect(error?.earlierAttemptMayHaveTakenEffect == false)
    }

    @Test func aFourOhFourAfterA503WithRetryAfterFollowsNothingDone() async throws {
        let (error, requests) = try await deleteError(after: [.json(503, "{}", headers: [("Retry-After", "0")])])
        #expect(requests == 2)
        #expect(error?.earlierAttemptMayHaveTakenEffect == false)
    }

    @Test func aFourOhFourAfterAServerErrorMayFollowTheDelete() async throws {
        let (error, requests) = try await deleteError(after: [.json(500, "{}")])
        #expect(requests == 2)
        #expect(error?.status == 404)
        #expect(error?.earlierAttemptMayHaveTakenEffect == true)
    }

    @Test func aFourOhFourAfterALostAnswerMayFollowTheDelete() async throws {
        let (error, requests) = try await deleteError(after: [.closeAfterReading])
        #expect(requests == 2)
        #expect(error?.earlierAttemptMayHaveTakenEffect == true)
    }

    @Test func aFourOhFourAfterATimeoutMayFollowTheDelete() async throws {
        let (error, requests) = try await deleteError(
            after: [.delay(.seconds(3), then: .respond(status: 204))], timeouts: HTTPTimeouts(perAttempt: .milliseconds(300)))
        #expect(requests == 2)
        #expect(error?.status == 404)
        #expect(error?.earlierAttemptMayHaveTakenEffect == true)
    }

    /// Any earlier attempt counts, not only the one just before: 500, then 429, then 404.
    @Test func anyEarlierAttemptCounts() async throws {
        let (error, requests) = try await deleteError(after: [.json(500, "{}"), .json(429, "{}")])
        #expect(requests == 3)
        #expect(error?.earlierAttemptMayHaveTakenEffect == true)
    }

    /// The last attempt's own answer is not "earlier": a DELETE that ends on its one 500.
    @Test func theLastAttemptIsNotItsOwnEarlierAttempt() async throws {
        try await withTestServer(handler: { _ in .json(500, "{}") }) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(HTTPClientRequest(method: .delete, url: server.baseURL + "/x", retry: .never))
            }
            #expect(error?.earlierAttemptMayHaveTakenEffect == false)
        }
    }

    @Test func theRuleReadsTheOutcome() {
        let ok = HTTPFields()
        var retryAfter = HTTPFields()
        retryAfter[.retryAfter] = "5"
        #expect(!RetryPolicy.mayHaveTakenEffect(.response(status: .tooManyRequests, headerFields: retryAfter)))
        #expect(!RetryPolicy.mayHaveTakenEffect(.response(status: .notFound, headerFields: ok)))
        #expect(!RetryPolicy.mayHaveTakenEffect(.response(status: .serviceUnavailable, headerFields: retryAfter)))
        #expect(RetryPolicy.mayHaveTakenEffect(.response(status: .serviceUnavailable, headerFields: ok)))
        #expect(RetryPolicy.mayHaveTakenEffect(.response(status: .badGateway, headerFields: retryAfter)))
        let refused = TransportFailure(kind: .network, curlCode: 7, message: "refused", requestMayHaveBeenSent: false)
        let reset = TransportFailure(kind: .network, curlCode: 56, message: "reset", requestMayHaveBeenSent: true)
        #expect(!RetryPolicy.mayHaveTakenEffect(.failure(refused)))
        #expect(RetryPolicy.mayHaveTakenEffect(.failure(reset)))
    }
}
