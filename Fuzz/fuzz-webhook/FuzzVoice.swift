// The voice half of fuzz-webhook: the voiceWebhook trigger's parse, classify and answer path, and
// TwiML built from arbitrary text. Every answer it accepts must be TwiML that re-parses with
// XMLTree and passes TwiMLCheck; a built document must read back exactly as built.
import ComponentCore
import ComponentHTTP
import ComponentRuntime

@testable import TwilioComponent

let voiceTrigger = VoiceWebhookTrigger()
let voiceContext = ActionContext(
    logger: context.logger, connection: nil, invocationID: "fuzz", debug: false, elementKey: "voiceWebhook")
let answers = ["say", "play", "gather", "forward", "voicemail", "reject", "busy", "hangup"]
let afterGathers = ["forward", "voicemail", "say", "hangup"]
let markers = [nil] + VoiceWebhookEvent.Marker.allCases.map(\.rawValue)

/// The trigger's inputs, chosen by `seed`, with `text` in every free-text input (so the fuzzed
/// text reaches every verb the answer may hold).
func voiceInput(seed: Int, text: String) -> VoiceWebhookTrigger.Input {
    VoiceWebhookTrigger.Input(
        authToken: Secret(token), publicUrl: nil, validateSignature: true, answer: answers[seed % answers.count], message: text,
        voice: seed & 8 == 0 ? nil : text, language: seed & 16 == 0 ? nil : text, playUrl: text,
        gatherInput: ["dtmf", "speech", "dtmf speech"][seed % 3], gatherDigits: seed % 20 + 1, gatherTimeout: 5, gatherPrompt: text,
        afterGather: afterGathers[(seed / 8) % afterGathers.count], afterGatherMessage: text, forwardTo: text, callerId: text,
        dialTimeout: 20, voicemail: seed & 32 != 0, voicemailPrompt: text, maxRecordingSeconds: 120)
}

/// Runs the voice trigger; an accepted request must be answered with valid TwiML.
func checkVoice(_ payload: JSONValue, _ input: VoiceWebhookTrigger.Input) {
    do {
        let result = try voiceTrigger.evaluate(input, event: TriggerEvent(payload: payload, state: nil), context: voiceContext)
        guard let response = result.response else { preconditionFailure("an accepted call got no answer") }
        precondition(
            response.statusCode == 200 && response.contentType == "text/xml", "answered \(response.statusCode) \(response.contentType)")
        if let problem = TwiMLCheck.problem(in: response.body) { preconditionFailure("the answer is not valid TwiML: \(problem)") }
        precondition(result.payload["twilio"]?["event"]?.stringValue != nil, "the payload names no event")
        _ = JSONWriter.string(from: result.payload)
    } catch let rejection as TriggerRejection {
        precondition(rejection.error.kind == .input || rejection.error.kind == .connection, "unexpected kind \(rejection.error.kind)")
        precondition(rejection.response.statusCode >= 400, "a refusal answered with \(rejection.response.statusCode)")
    } catch {
        preconditionFailure("an untyped refusal: \(error)")
    }
}

/// The bytes as the voice trigger's input: the engine's payload when they are a JSON object,
/// else a signed call webhook (a call's fields plus the bytes' form fields, at a marked URL).
func fuzzVoice(_ bytes: [UInt8]) {
    let seed = bytes.reduce(bytes.count) { ($0 &* 31 &+ Int($1)) & 0xFFFF }
    let text = String(decoding: bytes, as: UTF8.self)
    let input = voiceInput(seed: seed, text: String(decoding: bytes.prefix(256), as: UTF8.self))
    if case .object(let object)? = try? JSONParser.parse(bytes) {
        checkVoice(.object(object), input)
        return
    }
    let marker = markers[seed % markers.count]
    let signedURL = url + (marker.map { "&event=" + $0 } ?? "")
    let parameters =
        [("CallSid", "CA" + String(repeating: "c", count: 32)), ("From", "+14155550100")] + (FormEncoding.decodeForm(text) ?? [])
    var signature = TwilioSignatureValidator(authToken: token).signature(url: signedURL, parameters: parameters)
    if bytes.count % 4 == 3 { signature = "AAAA" + signature.dropFirst(4) }
    checkVoice(
        [
            "headers": ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": .string(signature)],
            "body": ["data": .string(FormEncoding.encodeForm(parameters))],
            "queryParameters": marker.map { ["flow": "1", "event": .string($0)] } ?? ["flow": "1"],
            "webhookUrls": ["Flow": "https://hooks.example.com/twilio"],
        ], input)
}

/// TwiML built from pieces of the bytes: it must render to a document that reads back exactly as
/// built (less what XML cannot carry) and passes TwiMLCheck.
func fuzzTwiML(_ bytes: [UInt8]) {
    // Pieces are kept short: what matters is which characters reach which verb, not their length.
    let pieces = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0.prefix(64), as: UTF8.self) }
    func piece(_ index: Int) -> String { pieces[index % pieces.count] }
    func optional(_ index: Int) -> String? { bytes.count > index && bytes[index] & 1 == 1 ? piece(index) : nil }
    var verbs: [TwiMLVerb] = []
    for (index, byte) in bytes.prefix(12).enumerated() {
        let text = piece(index)
        let number = Int(byte)
        switch byte % 9 {
        case 0: verbs.append(.say(TwiMLSay(text: text, voice: optional(index + 1), language: optional(index + 2), loop: number)))
        case 1: verbs.append(.play(url: "https://example.com/" + text, loop: number))
        case 2: verbs.append(.pause(seconds: number))
        case 3:
            verbs.append(
                .gather(
                    TwiMLGather(
                        action: text, method: optional(index + 1), input: optional(index + 2), numDigits: number, timeout: number,
                        finishOnKey: optional(index + 3), language: optional(index + 4), speechTimeout: optional(index + 5),
                        actionOnEmptyResult: byte & 16 != 0,
                        prompts: [.say(TwiMLSay(text: text)), .pause(seconds: 1), .hangup, .play(url: "https://example.com/" + text)])))
        case 4:
            verbs.append(
                .dial(
                    TwiMLDial(
                        targets: [.number(text), .client(piece(index + 1)), .sip(piece(index + 2))], timeout: number,
                        callerId: optional(index + 1),
                        action: optional(index + 2), method: optional(index + 3), timeLimit: number, record: optional(index + 4))))
        case 5:
            verbs.append(
                .record(
                    TwiMLRecord(
                        action: text, method: optional(index + 1), maxLength: number, timeout: number, finishOnKey: optional(index + 2),
                        playBeep: byte & 16 != 0, transcribe: byte & 32 != 0, recordingStatusCallback: optional(index + 3),
                        recordingStatusCallbackEvent: optional(index + 4), trim: optional(index + 5))))
        case 6: verbs.append(.redirect(url: "https://example.com/" + text, method: optional(index + 1)))
        case 7: verbs.append(.hangup)
        default: verbs.append(.reject(reason: optional(index)))
        }
    }
    let response = TwiMLResponse(verbs)
    let rendered = response.render()
    let parsed: XMLTree.Element
    do {
        parsed = try XMLTree.parse(rendered)
    } catch {
        preconditionFailure("rendered TwiML does not parse: \(error)")
    }
    precondition(normalized(parsed) == normalized(response.element), "rendered TwiML reads back differently")
    if let problem = TwiMLCheck.problem(in: rendered) { preconditionFailure("rendered TwiML fails the check: \(problem)") }
}

/// `element` as a reader sees it: no positions, no characters XML cannot carry, no empty text.
func normalized(_ element: XMLTree.Element) -> XMLTree.Element {
    func clean(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where VoiceAnswer.isXMLCharacter(scalar) { kept.append(scalar) }
        return String(kept)
    }
    var children: [XMLTree.Node] = []
    for child in element.children {
        switch child {
        case .element(let inner): children.append(.element(normalized(inner)))
        case .text(let text):
            let cleaned = clean(text)
            guard !cleaned.isEmpty else { continue }
            if case .text(let previous)? = children.last {
                children[children.count - 1] = .text(previous + cleaned)
            } else {
                children.append(.text(cleaned))
            }
        }
    }
    return XMLTree.Element(
        element.name, attributes: element.attributes.map { XMLTree.Attribute($0.name, clean($0.value)) }, children: children)
}
