import ComponentCore
import Foundation

/// How a call's TwiML ended it.
enum CallEnding: Sendable, Equatable {
    /// `<Hangup>`, the end of the document, or a hang-up through the API.
    case hungUp
    /// A TwiML error (fetch, parse or validation) or the document limit; the code is Twilio's.
    case failed(code: Int)
    /// `<Reject>` before the call was answered: `busy` or `rejected`.
    case rejected(reason: String)
    /// Canceled through the API before it was answered.
    case canceled
}

/// Runs a call's TwiML verb by verb: fetches each document (with the call's parameters, signed),
/// checks it, and follows `<Gather>`, `<Dial>`, `<Record>` and `<Redirect>` to the next one. Every
/// verb and error goes to the call's journal.
struct TwiMLInterpreter: Sendable {
    /// What a verb leads to.
    private enum Flow {
        case next
        case fetch(TwiMLSource, extra: [(String, String)])
        case end(CallEnding)
    }

    /// A call stops after this many documents: a `<Record>` or `<Gather>` without an action loops
    /// back to its own document in Twilio, and the sandbox protects itself.
    static let maximumDocuments = 25

    let core: SandboxCore
    let sid: String
    /// Answers the call (an inbound call is answered by the first verb that is not `<Reject>`):
    /// whether it is in progress; `false` when an update ended it first.
    let answer: @Sendable () async -> Bool
    private let deferred = DeferredCallbacks()

    init(core: SandboxCore, sid: String, answer: @escaping @Sendable () async -> Bool) {
        self.core = core
        self.sid = sid
        self.answer = answer
    }

    private var voice: VoiceServices { core.voice }
    private var waiting: CallWaiting { CallWaiting(controls: voice.controls, sid: sid) }

    /// Runs the call from `source` until its TwiML ends it.
    func run(from source: TwiMLSource, answered: Bool) async -> CallEnding {
        let ending = await runDocuments(from: source, answered: answered)
        deferred.release(through: voice)
        return ending
    }

    private func runDocuments(from source: TwiMLSource, answered: Bool) async -> CallEnding {
        var answered = answered
        var pending: (TwiMLSource, [(String, String)])? = (source, [])
        var documentURL: String?
        var documents = 0
        while let (source, extra) = pending {
            pending = nil
            documents += 1
            if documents > Self.maximumDocuments {
                return fail(
                    TwiMLProblem(
                        code: 12400,
                        message:
                            "The sandbox stopped the call after \(Self.maximumDocuments) TwiML documents: give <Record> and <Gather> an action that leads somewhere else."
                    ))
            }
            if let ending = await interruption(answered: answered) {
                switch ending {
                case .end(let ending): return ending
                case .fetch(let next, let extra):
                    pending = (next, extra)
                    continue
                case .next: break
                }
            }
            let verbs: [TwiMLVerb]
            let loaded = await load(source, extra: extra)
            deferred.release(through: voice)
            switch loaded {
            case .failure(let problem): return fail(problem)
            case .success(let parsed): verbs = parsed
            }
            if let url = source.url { documentURL = url }
            // An inbound call is answered by its first document, unless that rejects it.
            if !answered, verbs.first?.name != "Reject" {
                guard await answer() else { return .canceled }
                answered = true
            }
            verbLoop: for verb in verbs {
                if let flow = await interruption(answered: answered) {
                    switch flow {
                    case .end(let ending): return ending
                    case .fetch(let next, let extra):
                        pending = (next, extra)
                        break verbLoop
                    case .next: break
                    }
                }
                if !answered, verb.name != "Reject" {
                    guard await answer() else { return .canceled }
                    answered = true
                }
                switch await execute(verb, documentURL: documentURL, answered: answered) {
                case .next: continue
                case .fetch(let next, let extra):
                    pending = (next, extra)
                    break verbLoop
                case .end(let ending): return ending
                }
            }
            // An update that arrived during the last verb (a <Gather> it cut short) still counts.
            if pending == nil, let flow = await interruption(answered: answered) {
                switch flow {
                case .end(let ending): return ending
                case .fetch(let next, let extra): pending = (next, extra)
                case .next: break
                }
            }
        }
        return .hungUp
    }

    /// What a pending update of the call asks for, taken.
    private func interruption(answered: Bool) async -> Flow? {
        if Task.isCancelled { return .end(.hungUp) }  // the sandbox stops
        guard let request = voice.controls.takeRequest(call: sid) else { return nil }
        switch request {
        case .hangUp: return .end(.hungUp)
        case .cancel: return .end(answered ? .hungUp : .canceled)
        case .redirect(let source):
            voice.journal.record(["verb": "Redirect", "url": source.url.map(JSONValue.string) ?? "(TwiML)", "by": "api"], call: sid)
            return .fetch(source, extra: [])
        }
    }

    private func fail(_ problem: TwiMLProblem) -> CallEnding {
        voice.journal.record(problem.json, call: sid)
        return .failed(code: problem.code)
    }

    // MARK: Documents

    /// The verbs of the document `source` names, fetched (with the call's parameters and `extra`) or given.
    private func load(_ source: TwiMLSource, extra: [(String, String)]) async -> Result<[TwiMLVerb], TwiMLProblem> {
        if let twiml = source.twiml {
            voice.journal.recordDocument(["url": .null, "method": .null, "status": .null, "twiml": .string(twiml)], call: sid)
            return TwiMLParser.parse(twiml)
        }
        guard let url = source.url, let call = voice.store.call(sid) else {
            return .failure(TwiMLProblem(code: 11200, message: "HTTP retrieval failure: no URL to fetch TwiML from."))
        }
        let parameters = CallStatusCallbacks.parameters(of: call) + extra
        let fetcher = TwiMLFetcher(clients: core.webhooks.clients, authToken: core.credentials.authToken)
        switch await fetcher.fetch(url, method: source.method, parameters: parameters) {
        case .failed(let reason):
            voice.journal.recordDocument(
                ["url": .string(url), "method": .string(source.method), "status": .null, "error": .string(reason)], call: sid)
            return .failure(TwiMLProblem(code: 11200, message: "HTTP retrieval failure: \(reason)"))
        case .answered(let status, let contentType, let body):
            voice.journal.recordDocument(
                [
                    "url": .string(url), "method": .string(source.method), "status": .integer(status),
                    "contentType": contentType.map(JSONValue.string) ?? .null, "twiml": .string(body),
                ], call: sid)
            guard (200..<300).contains(status) else {
                return .failure(TwiMLProblem(code: 11200, message: "HTTP retrieval failure: \(url) answered \(status)."))
            }
            let type = (contentType ?? "").lowercased()
            if type.hasPrefix("audio/") { return .success([.play(url: url, loop: 1, digits: nil)]) }
            guard type.contains("xml") || type.hasPrefix("text/html") || type.hasPrefix("text/plain") else {
                return .failure(
                    TwiMLProblem(
                        code: 12300,
                        message:
                            "Invalid Content-Type: \(url) answered \(contentType ?? "no Content-Type"); TwiML is text/xml or application/xml."
                    ))
            }
            return TwiMLParser.parse(body)
        }
    }

    // MARK: Verbs

    private func execute(_ verb: TwiMLVerb, documentURL: String?, answered: Bool) async -> Flow {
        switch verb {
        case .say, .play, .pause:
            await prompt(verb, nestedIn: nil)
            return .next
        case .gather(let gather):
            return await self.gather(gather, documentURL: documentURL)
        case .dial(let dial):
            return await self.dial(dial, documentURL: documentURL)
        case .record(let record):
            return await self.record(record, documentURL: documentURL)
        case .redirect(let url, let method):
            let target = TwiMLFetcher.resolve(url, against: documentURL)
            voice.journal.record(["verb": "Redirect", "url": .string(target), "method": .string(method)], call: sid)
            return .fetch(.fetch(target, method: method), extra: [])
        case .hangup:
            voice.journal.record(["verb": "Hangup"], call: sid)
            return .end(.hungUp)
        case .reject(let reason):
            voice.journal.record(["verb": "Reject", "reason": .string(reason)], call: sid)
            return .end(answered ? .hungUp : .rejected(reason: reason))
        }
    }

    /// `<Say>`, `<Play>` and `<Pause>`, at the top level or in a `<Gather>`: logged; a pause waits
    /// its length in lifecycle steps.
    private func prompt(_ verb: TwiMLVerb, nestedIn parent: String?) async {
        var event: JSONObject = ["verb": .string(verb.name)]
        switch verb {
        case .say(let text, let voiceName, let language, let loop):
            event["text"] = .string(text)
            event["voice"] = voiceName.map(JSONValue.string) ?? .null
            event["language"] = language.map(JSONValue.string) ?? .null
            event["loop"] = .integer(loop)
        case .play(let url, let loop, let digits):
            event["url"] = url.isEmpty ? .null : .string(url)
            event["loop"] = .integer(loop)
            event["digits"] = digits.map(JSONValue.string) ?? .null
        case .pause(let length):
            event["length"] = .integer(length)
        default: break
        }
        if let parent { event["in"] = .string(parent) }
        voice.journal.record(.object(event), call: sid)
        if case .pause(let length) = verb { _ = await waiting.wait(seconds: Double(length) * core.step) }
    }

    private func gather(_ gather: TwiMLGather, documentURL: String?) async -> Flow {
        for prompt in gather.prompts { await self.prompt(prompt, nestedIn: "Gather") }
        voice.controls.setGatherWaiting(true, call: sid)
        let (input, interrupted) = await waiting.input(within: gather.timeout)
        voice.controls.setGatherWaiting(false, call: sid)
        if interrupted { return .next }  // the pending request is taken before the next verb
        let action = gather.action.map { TwiMLFetcher.resolve($0, against: documentURL) } ?? documentURL
        var extra: [(String, String)]
        switch input {
        case .digits(let keys)?:
            var digits = keys
            if let stop = digits.firstIndex(where: { gather.finishOnKey.contains($0) }) { digits = String(digits[..<stop]) }
            if let count = gather.numDigits { digits = String(digits.prefix(count)) }
            voice.journal.record(["verb": "Gather", "digits": .string(digits)], call: sid)
            extra = [("Digits", digits)]
            if keys.count > digits.count, let key = keys.dropFirst(digits.count).first, gather.finishOnKey.contains(key) {
                extra.append(("FinishedOnKey", String(key)))
            }
        case .speech(let words, let confidence)?:
            voice.journal.record(["verb": "Gather", "speech": .string(words), "confidence": .number(confidence)], call: sid)
            extra = [("SpeechResult", words), ("Confidence", String(confidence))]
        case nil:
            voice.journal.record(["verb": "Gather", "timedOut": true], call: sid)
            guard gather.actionOnEmptyResult, let action else { return .next }
            return .fetch(.fetch(action, method: gather.method), extra: [("Digits", "")])
        }
        guard let action else { return .next }
        return .fetch(.fetch(action, method: gather.method), extra: extra)
    }

    private func dial(_ dial: TwiMLDial, documentURL: String?) async -> Flow {
        guard let parent = voice.store.call(sid) else { return .end(.hungUp) }
        var outcome = "failed"
        var connected: StoredCall?
        for target in dial.targets {
            let given = CallsAPI.address(target.address)
            let address =
                switch target.noun {
                case "Client": given.hasPrefix("client:") ? given : "client:" + given
                case "Sip": given.hasPrefix("sip:") ? given : "sip:" + given
                default: given
                }
            if target.noun == "Number", let problem = Self.dialProblem(address) {
                voice.journal.record(["error": .integer(problem.code), "message": .string(problem.message)], call: sid)
                voice.journal.record(["verb": "Dial", "to": .string(address), "outcome": "failed"], call: sid)
                continue
            }
            let child = await CallRunner(core: core).ringChild(of: parent, to: address, callerId: dial.callerId)
            voice.journal.record(
                ["verb": "Dial", "to": .string(address), "outcome": .string(child.status), "callSid": .string(child.sid)], call: sid)
            if child.status == "completed" {
                outcome = "completed"
                connected = child
                break
            }
            if outcome == "failed" { outcome = child.status }
        }
        var extra: [(String, String)] = [("DialCallStatus", outcome)]
        if let connected {
            extra.append(("DialCallSid", connected.sid))
            extra.append(("DialCallDuration", String(connected.duration ?? 0)))
            if dial.record {
                let recording = CallRunner(core: core).makeRecording(
                    call: parent, duration: max(1, connected.duration ?? 1), channels: 2, source: "DialVerb")
                extra.append(("RecordingUrl", voice.baseURL + recording.uri))
                extra.append(("RecordingSid", recording.sid))
                extra.append(("RecordingDuration", String(recording.duration)))
            }
        }
        guard let action = dial.action.map({ TwiMLFetcher.resolve($0, against: documentURL) }) else { return .next }
        return .fetch(.fetch(action, method: dial.method), extra: extra)
    }

    /// Why `<Dial><Number>` cannot ring `number`, as Twilio's 132xx errors say.
    private static func dialProblem(_ number: String) -> TwiMLProblem? {
        guard PhoneNumberRules.isE164(Substring(number)) else {
            return TwiMLProblem(code: 13223, message: "Dial: Invalid phone number format: \(number) is not an E.164 number.")
        }
        switch number {
        case "+15005550001": return TwiMLProblem(code: 13224, message: "Dial: Invalid phone number: \(number).")
        case "+15005550003": return TwiMLProblem(code: 13227, message: "Dial: No International Authorization to call \(number).")
        case "+15005550004": return TwiMLProblem(code: 13225, message: "Dial: Forbidden phone number: \(number).")
        default: return nil
        }
    }

    private func record(_ record: TwiMLRecord, documentURL: String?) async -> Flow {
        guard let call = voice.store.call(sid) else { return .end(.hungUp) }
        if record.playBeep { voice.journal.record(["verb": "Play", "url": .null, "beep": true], call: sid) }
        let duration = min(record.maxLength, 3)
        let interrupted = await waiting.wait(seconds: Double(duration) * core.step)
        let recording = CallRunner(core: core).makeRecording(call: call, duration: duration, channels: 1, source: "RecordVerb")
        voice.journal.record(["verb": "Record", "recordingSid": .string(recording.sid), "duration": .integer(duration)], call: sid)
        if let callback = record.recordingStatusCallback, record.recordingStatusCallbackEvents.contains("completed") {
            let url = TwiMLFetcher.resolve(callback, against: documentURL)
            let callbacks = CallStatusCallbacks(core: core)
            let method = record.recordingStatusCallbackMethod
            deferred.add { await callbacks.postRecording(recording, url: url, method: method) }
        }
        if interrupted { return .next }
        guard let action = record.action.map({ TwiMLFetcher.resolve($0, against: documentURL) }) ?? documentURL else { return .next }
        return .fetch(
            .fetch(action, method: record.method),
            extra: [
                ("RecordingUrl", voice.baseURL + recording.uri), ("RecordingSid", recording.sid),
                ("RecordingDuration", String(recording.duration)), ("Digits", ""),
            ])
    }
}
