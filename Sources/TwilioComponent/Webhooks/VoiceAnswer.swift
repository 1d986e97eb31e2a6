import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials

/// The TwiML `voiceWebhook` answers each event with, built from its inputs with ``TwiMLResponse``
/// (escaped and valid by construction). The callbacks it asks Twilio for (a gather's result, a
/// dial's outcome, a recording) come back to the URL the request came to, marked with the event.
///
/// - incoming call: `answer` (say, play, gather, forward, voicemail, reject, busy, hangup);
/// - gather result: `afterGather` (forward, voicemail, say, hangup);
/// - dial result: a voicemail when the forwarded call was not answered and `voicemail` is on,
///   else hang up;
/// - the post after a recording: hang up (a voicemail never loops);
/// - status and recording callbacks: an empty `<Response/>`.
struct VoiceAnswer {
    let input: VoiceWebhookTrigger.Input
    /// The URL the request came to (the one its signature was checked against); `nil` when not
    /// known, and the callbacks are then relative to the current document (`?event=...`).
    let url: String?

    func response(for event: VoiceWebhookEvent) throws(ComponentError) -> TwiMLResponse {
        switch event.kind {
        case .incomingCall: return TwiMLResponse(try incomingCall())
        case .gatherResult: return TwiMLResponse(try afterGather())
        case .dialResult:
            let unanswered = ["no-answer", "busy", "failed"].contains(event.field("DialCallStatus") ?? "")
            return TwiMLResponse(unanswered && input.voicemail ? voicemail() : [.hangup])
        case .recordResult: return TwiMLResponse([.hangup])
        case .callStatus, .recordingReady, .recordingStatus, .other: return TwiMLResponse()
        }
    }

    /// The answer to a call, per `answer`; `message` is said first, unless the call is refused.
    func incomingCall() throws(ComponentError) -> [TwiMLVerb] {
        let greeting = say(input.message)
        switch input.answer {
        case "say": return greeting
        case "play":
            guard let url = nonEmpty(input.playUrl) else { throw Self.missing("playUrl", "Play URL", because: "Answer is play") }
            guard SendSMS.isWebURL(url) else {
                throw Self.invalid(
                    "playUrl", "Play URL", value: url, problem: "is not an absolute http or https URL Twilio can fetch the audio from")
            }
            return greeting + [.play(url: url)]
        case "gather":
            // A forward after the gather is checked now, so a bad number fails the call at once
            // rather than after the caller has answered.
            if input.afterGather == "forward" { _ = try forwardTarget() }
            return greeting + [
                .gather(
                    TwiMLGather(
                        action: callback(.gatherResult), method: "POST", input: input.gatherInput,
                        numDigits: input.gatherInput == "speech" ? nil : input.gatherDigits, timeout: input.gatherTimeout,
                        language: input.gatherInput == "dtmf" ? nil : input.language, prompts: say(input.gatherPrompt)))
            ]
        case "forward": return greeting + [try dial()]
        case "voicemail": return greeting + voicemail()
        case "reject": return [.reject(reason: "rejected")]
        case "busy": return [.reject(reason: "busy")]
        case "hangup": return greeting + [.hangup]
        default:
            throw ComponentError(
                .input, code: "invalid_input",
                message:
                    "The trigger's Answer is '\(input.answer)'; use say, play, gather, forward, voicemail, reject, busy or hangup.",
                input: "answer")
        }
    }

    /// What follows the caller's answer to the gather, per `afterGather`.
    func afterGather() throws(ComponentError) -> [TwiMLVerb] {
        switch input.afterGather {
        case "forward": return [try dial()]
        case "voicemail": return voicemail()
        case "say": return say(input.afterGatherMessage) + [.hangup]
        case "hangup": return [.hangup]
        default:
            throw ComponentError(
                .input, code: "invalid_input",
                message: "The trigger's After Gather is '\(input.afterGather)'; use forward, voicemail, say or hangup.",
                input: "afterGather")
        }
    }

    /// `<Dial>` to `forwardTo`; with `voicemail`, its outcome comes back so an unanswered call can
    /// leave a message (without an action, Twilio would go on to the next verb even after a
    /// conversation).
    func dial() throws(ComponentError) -> TwiMLVerb {
        .dial(
            TwiMLDial(
                targets: [try forwardTarget()], timeout: input.dialTimeout, callerId: nonEmpty(input.callerId),
                action: input.voicemail ? callback(.dialResult) : nil, method: input.voicemail ? "POST" : nil))
    }

    /// `forwardTo` read by makeCall's rule for a call's address (``CallInputChecks/callAddress(_:defaultCountryCode:)``),
    /// national digits being a US or Canadian number (country code 1).
    func forwardTarget() throws(ComponentError) -> TwiMLDial.Target {
        guard let target = nonEmpty(input.forwardTo) else {
            throw Self.missing("forwardTo", "Forward To", because: "the call is forwarded")
        }
        switch CallInputChecks.callAddress(target, defaultCountryCode: "1") {
        case .success(let address) where address.hasPrefix("client:"): return .client(String(address.dropFirst("client:".count)))
        case .success(let address) where address.hasPrefix("sip:"): return .sip(address)
        case .success(let number): return .number(number)
        case .failure(let refusal):
            throw Self.invalid(
                "forwardTo", "Forward To", value: target,
                problem: refusal.reason
                    + "; write it as E.164 (+14155550100), 10 digits of a US or Canadian number, client:name or a sip: address")
        }
    }

    /// The voicemail prompt, then `<Record>`, whose end and recording come back here.
    func voicemail() -> [TwiMLVerb] {
        say(input.voicemailPrompt) + [
            .record(
                TwiMLRecord(
                    action: callback(.recordResult), method: "POST", maxLength: input.maxRecordingSeconds, playBeep: true,
                    recordingStatusCallback: callback(.recordingStatus), recordingStatusCallbackEvent: "completed"))
        ]
    }

    /// `<Say>` of `text` in the chosen voice and language; nothing for no text.
    func say(_ text: String?) -> [TwiMLVerb] {
        guard let text = nonEmpty(text) else { return [] }
        return [.say(TwiMLSay(text: text, voice: nonEmpty(input.voice), language: nonEmpty(input.language)))]
    }

    /// The request's URL with `event=<marker>` in place of any marker it had.
    func callback(_ marker: VoiceWebhookEvent.Marker) -> String {
        Self.url(url ?? "", marker: marker)
    }

    /// `url` with its `event` query parameter set to `marker` (other parameters kept, in order).
    static func url(_ url: String, marker: VoiceWebhookEvent.Marker) -> String {
        var base = Substring(url)
        if let hash = base.firstIndex(of: "#") { base = base[..<hash] }
        var query: [Substring] = []
        if let question = base.firstIndex(of: "?") {
            query = base[base.index(after: question)...].split(separator: "&").filter { pair in
                let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
                return FormEncoding.percentDecode(name, plusAsSpace: true) != VoiceWebhookEvent.markerName
            }
            base = base[..<question]
        }
        query.append("\(VoiceWebhookEvent.markerName)=\(marker.rawValue)")
        return base + "?" + query.joined(separator: "&")
    }

    /// `text` without what XML cannot carry (control characters, U+FFFE, U+FFFF) and trimmed;
    /// `nil` when nothing is left, so that no verb is written empty (a `<Play>` with no URL).
    private func nonEmpty(_ text: String?) -> String? {
        guard let text else { return nil }
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where Self.isXMLCharacter(scalar) { kept.append(scalar) }
        let trimmed = String(kept).trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }

    /// XML 1.0's `Char`: what a document can hold at all.
    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func invalid(_ key: String, _ label: String, value: String, problem: String) -> ComponentError {
        ComponentError(
            .input, code: "invalid_input", message: "The trigger's \(label) '\(value)' \(problem). Correct it in the trigger's inputs.",
            input: key)
    }

    static func missing(_ key: String, _ label: String, because reason: String) -> ComponentError {
        ComponentError(
            .input, code: "missing_input", message: "The trigger's \(label) is empty, but \(reason): fill it in the trigger's inputs.",
            input: key)
    }
}
