import ComponentCore
import Foundation
import HTTPTypes
import Hummingbird

/// The control endpoints for calls, under `/__sandbox/` (see ``ControlAPI``):
///
/// - `GET calls`: every call, most recent first
/// - `GET calls/{CA}`: `{"call", "events", "documents", "gatherWaiting"}`; with `?waitFor=gather`
///   (a `<Gather>` waits for input), `?waitFor=end` (the call has ended) or `?status=completed`,
///   held until then or for `timeout` seconds (5 by default, at most 30); then answered as it is
/// - `POST calls/{CA}/digits` `{"digits": "1"}` or `{"speech": "sales", "confidence": 0.9}`: input
///   for the `<Gather>` the call waits in (409 when none waits)
/// - `POST calls/inbound` `{"from", "to", "url", "method", "statusCallback", "statusCallbackEvents"}`:
///   someone calls one of the account's numbers
/// - `POST callees` `{"number", "behaviour": "answer" | "busy" | "no-answer" | "failed" | "machine"}`;
///   `GET callees`
/// - `POST application` `{"voiceUrl", "voiceMethod"}`: the voice URL of the built-in application
///   (`AP00000000000000000000000000000001`); `GET application`
struct VoiceControlAPI {
    let core: SandboxCore

    private var voice: VoiceServices { core.voice }

    func respond(method: HTTPRequest.Method, name: String, query: String, json: JSONValue?) async -> Response {
        let parts = name.split(separator: "/").map(String.init)
        switch (method, parts.count, parts.first) {
        case (.get, 1, "calls"):
            return SandboxResponder.json(.ok, ["calls": .array(voice.store.calls(account: nil).map { $0.json() })])
        case (.post, 2, "calls") where parts[1] == "inbound":
            return inbound(json)
        case (.get, 2, "calls"):
            return await callLog(parts[1], query: URLEncodedForm.fields(query.utf8))
        case (.post, 3, "calls") where parts[2] == "digits":
            return give(json, call: parts[1])
        case (.get, 1, "callees"):
            return SandboxResponder.json(
                .ok,
                [
                    "builtIn": .object(
                        JSONObject(CalleeBehaviours.builtIn.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value.rawValue)) }))
                ])
        case (.post, 1, "callees"):
            guard let number = json?["number"]?.stringValue, let text = json?["behaviour"]?.stringValue,
                let behaviour = CalleeBehaviour(rawValue: text)
            else {
                return problem(
                    "Give {\"number\": \"+1...\", \"behaviour\": \(CalleeBehaviour.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " | "))}."
                )
            }
            voice.callees.set(behaviour, for: number)
            return SandboxResponder.json(.noContent, nil)
        case (.get, 1, "application"):
            return SandboxResponder.json(.ok, voice.application.json)
        case (.post, 1, "application"):
            let url = json?["voiceUrl"]?.stringValue
            guard url.map(MessagesAPI.isWebURL) ?? true, let method = CallsAPI.method(json?["voiceMethod"]?.stringValue) else {
                return problem("Give {\"voiceUrl\": \"http://127.0.0.1:PORT/voice\", \"voiceMethod\": \"POST\" | \"GET\"}.")
            }
            voice.application.setVoice(url: url, method: method)
            return SandboxResponder.json(.ok, voice.application.json)
        default:
            return SandboxResponder.json(.notFound, ["error": .string("No sandbox control endpoint \(method) /__sandbox/\(name).")])
        }
    }

    private func problem(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        SandboxResponder.json(status, ["error": .string(message)])
    }

    /// Someone calls `to`: the call rings, the signed incoming-call webhook goes to `url`, and the
    /// TwiML answered runs in the background.
    private func inbound(_ json: JSONValue?) -> Response {
        let usage =
            "Give {\"from\": \"+1...\", \"to\": \"+1...\", \"url\": \"http://127.0.0.1:PORT/voice\", \"method\": \"POST\", \"statusCallback\": \"...\"}."
        guard let json, let from = json["from"]?.stringValue, let to = json["to"]?.stringValue, let url = json["url"]?.stringValue,
            MessagesAPI.isWebURL(url), let method = CallsAPI.method(json["method"]?.stringValue)
        else { return problem(usage) }
        var settings = CallSettings()
        if let callback = json["statusCallback"]?.stringValue {
            guard MessagesAPI.isWebURL(callback) else { return problem("statusCallback must be an http or https URL. " + usage) }
            settings.statusCallback = callback
        }
        if let events = json["statusCallbackEvents"]?.arrayValue?.compactMap(\.stringValue), !events.isEmpty {
            settings.statusCallbackEvents = events
        }
        let now = core.now
        let account = core.credentials.accountSid
        let call = voice.store.insertCall { sequence in
            StoredCall(
                sid: CallsAPI.newSid("CA"), accountSid: account, sequence: sequence, direction: "inbound", parentCallSid: nil, to: to,
                from: from, status: "ringing", createdAt: now, updatedAt: now, source: .fetch(url, method: method), settings: settings)
        }
        CallRunner.start(core: core, call: call.sid)
        return SandboxResponder.json(.ok, ["call": call.json()])
    }

    /// What the call did, once it reached the point the query waits for (or the wait ran out).
    private func callLog(_ sid: String, query: [(String, String)]) async -> Response {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        guard voice.store.call(sid) != nil else {
            return problem("No call \(sid): GET /__sandbox/calls lists them.", status: .notFound)
        }
        let waitFor = value("waitFor")
        let status = value("status")
        if let waitFor, waitFor != "gather", waitFor != "end" {
            return problem("waitFor must be gather or end, not \(waitFor).")
        }
        let seconds = min(30, max(0, Double(value("timeout") ?? "") ?? 5))
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int(seconds * 1000))
        while waitFor != nil || status != nil, clock.now < deadline {
            guard let call = voice.store.call(sid) else { break }
            let reached: Bool =
                switch waitFor {
                case "gather": voice.controls.isGatherWaiting(call: sid)
                case "end": call.isFinished
                default: true
                }
            if reached, status.map({ $0 == call.status }) ?? true { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard let call = voice.store.call(sid) else {
            return problem("No call \(sid): GET /__sandbox/calls lists them.", status: .notFound)
        }
        return SandboxResponder.json(
            .ok,
            [
                "call": call.json(), "events": .array(voice.journal.events(of: sid)), "documents": .array(voice.journal.documents(of: sid)),
                "gatherWaiting": .bool(voice.controls.isGatherWaiting(call: sid)),
            ])
    }

    /// Keys pressed or words spoken, for the `<Gather>` the call waits in.
    private func give(_ json: JSONValue?, call sid: String) -> Response {
        let input: GatherInput
        if let digits = json?["digits"]?.stringValue, !digits.isEmpty, digits.allSatisfy({ "0123456789*#".contains($0) }) {
            input = .digits(digits)
        } else if let speech = json?["speech"]?.stringValue {
            input = .speech(speech, confidence: json?["confidence"]?.doubleValue ?? 0.9)
        } else {
            return problem("Give {\"digits\": \"1\"} (0-9, * and #) or {\"speech\": \"sales\", \"confidence\": 0.9}.")
        }
        guard voice.store.call(sid) != nil else { return problem("No call \(sid).", status: .notFound) }
        guard voice.controls.give(input, call: sid) else {
            return problem(
                "Call \(sid) is not waiting in a <Gather>: wait for it with GET /__sandbox/calls/\(sid)?waitFor=gather.", status: .conflict)
        }
        return SandboxResponder.json(.accepted, ["accepted": true])
    }
}
