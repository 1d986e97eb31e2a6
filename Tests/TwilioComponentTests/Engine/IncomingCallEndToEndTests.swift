import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import Synchronization
import TestSupport
import Testing
import TwilioComponent
import TwilioSandbox

/// An incoming call from end to end, as an engine runs it: the sandbox rings one of its numbers
/// and posts the signed webhook over HTTPS to an engine's webhook endpoint, which hands each
/// request to the `voiceWebhook` trigger on a running `twilio-component serve` and answers the
/// sandbox with the trigger's response; the sandbox runs the TwiML. The caller hears the
/// greeting, presses 1, is forwarded to a number that does not answer, and leaves a voicemail,
/// which `pollRecordings` then reports once.
@Suite(.timingInsensitive) struct IncomingCallEndToEndTests {
    static let caller = "+14155550100"
    static let ourNumber = "+15005550006"
    /// The sandbox's built-in number that never answers.
    static let unanswered = "+15005559021"

    static let inputs: JSONObject = [
        "answer": "gather", "message": "Thanks for calling Acme & Co.", "gatherPrompt": "Press 1 to talk to us.",
        "afterGather": "forward", "forwardTo": .string(unanswered), "dialTimeout": 20, "voicemail": true,
        "voicemailPrompt": "Nobody is free <right now>; leave a message.", "maxRecordingSeconds": 30,
    ]

    @Test func greetGatherForwardUnansweredVoicemailThenPollTheRecordingOnce() async throws {
        let engine = EngineEndpoint()
        try await withTLSReceiver(handler: { request in await engine.handle(request) }) { receiver in
            try await withEngineTool(sandbox: {
                $0.webhookClient = WebhookClientSettings(certificateFile: receiver.certificateAuthorityFile)
            }) {
                tool in
                let serve = try await ServeSession(tool: tool)
                engine.start(serve, inputs: Self.inputs)
                defer { serve.close() }
                let triggerURL = receiver.baseURL + "/voice"

                // A first poll places the cursor at "now".
                let start = try await serve.request(["trigger": "pollRecordings", "connection": tool.authToken])
                let startState = try #require(start["state"], "\(start)")

                // Someone calls; the sandbox fetches the answer from the trigger and waits in the gather.
                let rang = try await tool.control(
                    .post, "/__sandbox/calls/inbound",
                    ["from": .string(Self.caller), "to": .string(Self.ourNumber), "url": .string(triggerURL), "method": "POST"])
                let callSid = try #require(rang["call"]?["sid"]?.stringValue, "\(rang)")
                let waiting = try await tool.control(.get, "/__sandbox/calls/\(callSid)?waitFor=gather&timeout=15")
                #expect(waiting["gatherWaiting"] == true, "\(waiting)")

                _ = try await tool.control(.post, "/__sandbox/calls/\(callSid)/digits", ["digits": "1"])
                let ended = try await tool.control(.get, "/__sandbox/calls/\(callSid)?waitFor=end&timeout=25")
                #expect(ended["call"]?["status"] == "completed", "\(ended)")

                // What the caller went through, from the sandbox's log of the call.
                let events = ended["events"]?.arrayValue ?? []
                func first(_ verb: String, where test: (JSONValue) -> Bool = { _ in true }) -> Int? {
                    events.firstIndex { $0["verb"]?.stringValue == verb && test($0) }
                }
                let greeting = first("Say") { $0["text"] == "Thanks for calling Acme & Co." }
                let prompt = first("Say") { $0["text"] == "Press 1 to talk to us." && $0["in"] == "Gather" }
                let pressed = first("Gather") { $0["digits"] == "1" }
                let forwarded = first("Dial") { $0["to"]?.stringValue == Self.unanswered && $0["outcome"] == "no-answer" }
                let voicemailPrompt = first("Say") { $0["text"] == "Nobody is free <right now>; leave a message." }
                let recorded = first("Record")
                let hungUp = first("Hangup")
                let order = [greeting, prompt, pressed, forwarded, voicemailPrompt, recorded, hungUp]
                #expect(order.allSatisfy { $0 != nil }, "the call's events: \(events)")
                #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted(), "in this order: \(events)")
                let recordingSid = try #require(recorded.flatMap { events[$0]["recordingSid"]?.stringValue }, "\(events)")

                // The trigger ran for each request the call made, and the flow saw each event once.
                let runs = try await engine.waitForRuns { runs in runs.contains { $0["twilio"]?["event"] == "recording-ready" } }
                let kinds = runs.compactMap { $0["twilio"]?["event"]?.stringValue }
                #expect(kinds == ["incoming-call", "gather-result", "dial-result", "record-result", "recording-ready"], "\(kinds)")
                let gathered = try #require(runs.first { $0["twilio"]?["event"] == "gather-result" })
                #expect(gathered["twilio"]?["digits"] == "1")
                #expect(gathered["twilio"]?["callSid"]?.stringValue == callSid)
                #expect(gathered["twilio"]?["url"]?.stringValue == triggerURL + "?event=gather-result")
                let dialed = try #require(runs.first { $0["twilio"]?["event"] == "dial-result" })
                #expect(dialed["twilio"]?["dialCallStatus"] == "no-answer")
                let ready = try #require(runs.first { $0["twilio"]?["event"] == "recording-ready" })
                #expect(ready["twilio"]?["recordingSid"]?.stringValue == recordingSid)
                #expect(Set(runs.compactMap { $0["idempotencyKey"]?.stringValue }).count == runs.count)
                #expect(engine.answers.allSatisfy { $0 == 200 }, "\(engine.answers)")

                // pollRecordings, run twice: the voicemail once.
                let first = try await serve.request(["trigger": "pollRecordings", "connection": tool.authToken, "state": startState])
                let recordings = first["payload"]?["body"]?["data"]?["recordings"]?.arrayValue ?? []
                #expect(recordings.compactMap { $0["sid"]?.stringValue } == [recordingSid], "\(first)")
                #expect(recordings.first?["callSid"]?.stringValue == callSid)
                let again = try await serve.request([
                    "trigger": "pollRecordings", "connection": tool.authToken, "state": first["state"] ?? .null,
                ])
                #expect(again["payload"]?["body"]?["data"]?["count"] == 0, "\(again)")

                // A tampered webhook to the same URL is refused by the trigger with 403.
                let client = CurlHTTPClient(
                    pool: HTTPConnectionPool(
                        settings: HTTPClientSettings(trust: TLSTrust(certificateFile: receiver.certificateAuthorityFile))))
                let fields = [("CallSid", callSid), ("CallStatus", "ringing"), ("From", Self.caller), ("To", Self.ourNumber)]
                let signature = TwilioSignatureValidator(authToken: tool.credentials.authToken).signature(
                    url: triggerURL, parameters: fields)
                var tampered = HTTPClientRequest(
                    method: .post, url: triggerURL, body: .form(fields.map { $0 == ("From", Self.caller) ? ("From", "+19995550000") : $0 }),
                    acceptedStatuses: 100..<600)
                tampered.headerFields.append(HTTPField(name: HTTPField.Name("X-Twilio-Signature")!, value: signature))
                let refused = try await client.send(tampered)
                #expect(refused.status.code == 403)
                #expect(engine.answers.last == 403)
            }
        }
    }
}

/// An engine's webhook endpoint: each request, as the engine's payload, goes to the trigger on a
/// `serve` session; the trigger's response goes back to the caller.
final class EngineEndpoint: Sendable {
    private struct State {
        var serve: ServeSession?
        var inputs: JSONObject = [:]
        var runs: [JSONValue] = []
        var answers: [Int] = []
    }

    private let state = Mutex(State())

    func start(_ serve: ServeSession, inputs: JSONObject) {
        state.withLock {
            $0.serve = serve
            $0.inputs = inputs
        }
    }

    /// The payloads of the trigger's accepted runs, in order.
    var runs: [JSONValue] { state.withLock { $0.runs } }
    /// The status of every answer given.
    var answers: [Int] { state.withLock { $0.answers } }

    func handle(_ request: TestHTTPServer.Request) async -> TestHTTPServer.Action {
        guard let (serve, inputs) = state.withLock({ state in state.serve.map { ($0, state.inputs) } }) else {
            return .respond(status: 503)
        }
        let payload = ComponentInvoker.webhookPayload(for: request, baseURL: "https://" + (request.header("Host") ?? ""))
        let answer =
            (try? await serve.request([
                "trigger": "voiceWebhook", "connection": serve.connection, "inputs": .object(inputs), "payload": payload,
            ])) ?? .null
        let response = answer["response"] ?? .null
        let status = response["statusCode"]?.intValue ?? 500
        state.withLock {
            if let run = answer["payload"] { $0.runs.append(run) }
            $0.answers.append(status)
        }
        return .respond(
            status: status, headers: [("Content-Type", response["contentType"]?.stringValue ?? "text/plain")],
            body: Data((response["body"]?.stringValue ?? "").utf8))
    }

    /// The runs once `done` holds for them (or after 15 s).
    func waitForRuns(until done: ([JSONValue]) -> Bool) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(15)
        while !done(runs), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return runs
    }
}

/// A running `twilio-component serve`: requests written as lines with ids, answers matched to
/// them by id as they come, in any order.
final class ServeSession: Sendable {
    private let child: ChildProcess
    private let pending = PendingAnswers()
    private let reader: Task<Void, Never>
    /// The sandbox's Auth Token connection.
    let connection: JSONValue

    init(tool: EngineTool) async throws {
        let child = try await ChildProcess(EngineTool.path, ["serve", "--concurrency", "4"], environment: tool.environment)
        self.child = child
        connection = tool.authToken
        reader = Task { [pending] in
            for await line in child.lines {
                guard let answer = try? JSONParser.parse(line), let id = answer["id"]?.intValue else { continue }
                pending.resolve(id, with: .success(answer))
            }
            pending.failAll()
        }
    }

    /// Sends `request` (an id is added) and waits for its answer.
    func request(_ request: JSONObject) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            let id = pending.add(continuation)
            var line = request
            line["id"] = .integer(id)
            do {
                try child.write(JSONWriter.string(from: .object(line)) + "\n")
            } catch {
                pending.resolve(id, with: .failure(error))
            }
        }
    }

    /// Ends the session: serve sees the end of its input and exits.
    func close() {
        try? child.closeInput()
    }
}

/// The requests a serve session still waits on, by id.
final class PendingAnswers: Sendable {
    private let state = Mutex<(next: Int, waiting: [Int: CheckedContinuation<JSONValue, any Error>])>((1, [:]))

    /// Waits with `continuation` under a new id.
    func add(_ continuation: CheckedContinuation<JSONValue, any Error>) -> Int {
        state.withLock { state in
            let id = state.next
            state.next += 1
            state.waiting[id] = continuation
            return id
        }
    }

    func resolve(_ id: Int, with result: Result<JSONValue, any Error>) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(with: result)
    }

    /// Fails every request still waiting (serve ended).
    func failAll() {
        let waiting = state.withLock { state in
            defer { state.waiting = [:] }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume(throwing: ServeEnded()) }
    }
}

/// `serve` exited with a request unanswered.
struct ServeEnded: Error, CustomStringConvertible {
    var description: String { "serve ended before answering" }
}

extension EngineTool {
    /// Calls a sandbox control endpoint; the answer's JSON.
    func control(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await controlClient.send(
            HTTPClientRequest(method: method, url: baseURL + path, body: body.map { .json($0) } ?? .none))
        return try JSONParser.parse(response.body)
    }
}
