import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Logging
import Synchronization
import TestSupport
import Testing

/// An invocation's deadline and its report of the server's clock, as the runner applies them to
/// every HTTP request of the invocation.
@Suite(.timingInsensitive) struct RequestScopeTests {
    struct FetchInput: Decodable, Sendable {
        var message: String
    }

    /// How many times a handler ran.
    final class Calls: Sendable {
        let count = Atomic<Int>(0)
    }

    /// `echo` fetches the URL in its message from a task of its own (as a listing pages) and
    /// returns the status; `whoami` fails without any request.
    func runner(calls: Calls = Calls()) throws -> ComponentRunner {
        var handlers = HandlerRegistry()
        let client = CurlHTTPClient(pool: HTTPConnectionPool())
        handlers.action("echo") { (input: FetchInput, _) -> JSONValue in
            calls.count.add(1, ordering: .relaxed)
            let response = try await Task { try await client.send(HTTPClientRequest(method: .get, url: input.message)) }.value
            return ["status": .integer(response.status.code)]
        }
        handlers.action("whoami") { (_: NoInputs, _) -> JSONValue in
            throw ComponentError(.upstream, code: 20404, message: "Not found.", status: 404)
        }
        return try ComponentRunner(ComponentDefinition(manifest: try FixtureManifest.load(), handlers: handlers))
    }

    let connection = RawConnection(key: "token", fields: ["user": "alice", "token": "tok-9f8e7d6c5b"])

    @Test func aRequestWhoseDeadlinePassedIsNotRun() async throws {
        let calls = Calls()
        let runner = try runner(calls: calls)
        let deadline = HTTPDeadline(epochMilliseconds: HTTPDeadline.now() - 1500)
        let result = await runner.runAction(
            InvocationRequest(element: "echo", inputs: ["message": "http://127.0.0.1:9/"], connection: connection, deadline: deadline),
            logger: LogCapture().logger())
        #expect(calls.count.load(ordering: .relaxed) == 0, "the handler never ran")
        #expect(result.exitCode == 5)
        let error = try #require(result.error)
        #expect(error.kind == .timeout && error.code == "deadline_exceeded" && error.retryable && !error.maybeSent)
        #expect(error.message.hasPrefix("The action 'echo' was not run: the request's deadline passed before it ran; nothing was sent."))
        #expect(error.message.contains(deadline.description))
        #expect(error.details?["deadline"] == .integer(Int(deadline.epochMilliseconds)))
        #expect(result.envelope["error"]?["maybeSent"] == false)
    }

    @Test func serverDateIsReportedOnlyWhenAskedFor() async throws {
        try await withTestServer(handler: { _ in .json(200, "{}", headers: [("Date", "Sun, 06 Dec 2026 10:59:24 GMT")]) }) { server in
            let runner = try runner()
            let logger = LogCapture().logger()
            func run(_ element: String, serverDate: Bool) async -> String {
                let result = await runner.runAction(
                    InvocationRequest(
                        element: element, inputs: element == "echo" ? ["message": .string(server.baseURL + "/a")] : [:],
                        connection: connection, reportsServerDate: serverDate),
                    logger: logger)
                return JSONWriter.string(from: result.envelope)
            }
            #expect(await run("echo", serverDate: false) == #"{"data":{"status":200}}"#)
            #expect(await run("echo", serverDate: true) == #"{"data":{"status":200},"serverDate":"2026-12-06T10:59:24Z"}"#)
            // No response: null; an error carries it too.
            #expect(await run("whoami", serverDate: true).hasSuffix(#""input":null},"serverDate":null}"#))
            #expect(!(await run("whoami", serverDate: false).contains("serverDate")))
        }
    }
}

/// The deadline's one timing bound: apart from the rest of the suite (``TimingGate``), since on a
/// loaded two-core machine a task can wait seconds for a thread, whatever the deadline does.
@Suite(.timingSensitive) struct RequestDeadlineTimingTests {
    @Test func theDeadlineReachesRequestsMadeFromTasksOfTheHandler() async throws {
        // The answer is 10 s away and the deadline 0.5 s: the bound tells the two apart with room
        // for a loaded machine, rather than measuring how promptly the cut lands.
        try await withTestServer(handler: { _ in .delay(.seconds(10), then: .json(200, "{}")) }) { server in
            let runner = try RequestScopeTests().runner()
            let started = ContinuousClock.now
            let result = await runner.runAction(
                InvocationRequest(
                    element: "echo", inputs: ["message": .string(server.baseURL + "/slow")], connection: RequestScopeTests().connection,
                    deadline: HTTPDeadline(epochMilliseconds: HTTPDeadline.now() + 500)),
                logger: LogCapture().logger())
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(5), "took \(elapsed); the deadline was 0.5 s away, the answer 10 s")
            #expect(result.error?.kind == .timeout, "\(result.envelope)")
            // Cut short at the deadline; or, on a machine too busy to send it in time, not sent at all.
            let cut = result.error?.message.contains("cut short at the request's deadline") == true
            #expect(cut || result.error?.code == "deadline_exceeded", "\(result.envelope)")
        }
    }
}
