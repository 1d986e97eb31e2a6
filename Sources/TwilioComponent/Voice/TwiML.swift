import ComponentCore

/// A TwiML document the component writes (a call's instructions, a webhook's answer): built from
/// verbs, so that it is escaped and valid by construction.
struct TwiMLResponse: Sendable, Equatable {
    var verbs: [TwiMLVerb]

    init(_ verbs: [TwiMLVerb] = []) {
        self.verbs = verbs
    }

    /// The document as XML, with its declaration.
    func render() -> String {
        XMLTree.render(element)
    }

    var element: XMLTree.Element {
        XMLTree.Element("Response", children: verbs.map { .element($0.element) })
    }
}

/// One TwiML verb, with the attributes the component sets.
enum TwiMLVerb: Sendable, Equatable {
    case say(TwiMLSay)
    case play(url: String, loop: Int? = nil)
    case pause(seconds: Int)
    case gather(TwiMLGather)
    case dial(TwiMLDial)
    case record(TwiMLRecord)
    case redirect(url: String, method: String? = nil)
    case hangup
    /// Refuses an incoming call without answering it: `rejected` (the default) or `busy`.
    case reject(reason: String? = nil)

    var element: XMLTree.Element {
        switch self {
        case .say(let say):
            return TwiMLVerb.element(
                "Say", ["voice": say.voice, "language": say.language, "loop": say.loop.map(String.init)], text: say.text)
        case .play(let url, let loop):
            return TwiMLVerb.element("Play", ["loop": loop.map(String.init)], text: url)
        case .pause(let seconds):
            return TwiMLVerb.element("Pause", ["length": String(seconds)])
        case .gather(let gather):
            var element = TwiMLVerb.element(
                "Gather",
                [
                    "input": gather.input, "action": gather.action, "method": gather.method, "numDigits": gather.numDigits.map(String.init),
                    "timeout": gather.timeout.map(String.init), "finishOnKey": gather.finishOnKey, "language": gather.language,
                    "speechTimeout": gather.speechTimeout, "actionOnEmptyResult": gather.actionOnEmptyResult.map(String.init),
                ])
            // Only what Twilio allows inside <Gather> (Say, Play, Pause) is kept.
            element.children = gather.prompts.filter(\.isGatherPrompt).map { .element($0.element) }
            return element
        case .dial(let dial):
            var element = TwiMLVerb.element(
                "Dial",
                [
                    "action": dial.action, "method": dial.method, "timeout": dial.timeout.map(String.init), "callerId": dial.callerId,
                    "timeLimit": dial.timeLimit.map(String.init), "record": dial.record,
                ])
            element.children = dial.targets.map { target in
                switch target {
                case .number(let number): .element(XMLTree.Element("Number", children: [.text(number)]))
                case .client(let identity): .element(XMLTree.Element("Client", children: [.text(identity)]))
                case .sip(let uri): .element(XMLTree.Element("Sip", children: [.text(uri)]))
                }
            }
            return element
        case .record(let record):
            return TwiMLVerb.element(
                "Record",
                [
                    "action": record.action, "method": record.method, "maxLength": record.maxLength.map(String.init),
                    "timeout": record.timeout.map(String.init), "finishOnKey": record.finishOnKey,
                    "playBeep": record.playBeep.map(String.init),
                    "transcribe": record.transcribe.map(String.init), "recordingStatusCallback": record.recordingStatusCallback,
                    "recordingStatusCallbackEvent": record.recordingStatusCallbackEvent, "trim": record.trim,
                ])
        case .redirect(let url, let method):
            return TwiMLVerb.element("Redirect", ["method": method], text: url)
        case .hangup:
            return XMLTree.Element("Hangup")
        case .reject(let reason):
            return TwiMLVerb.element("Reject", ["reason": reason])
        }
    }

    private var isGatherPrompt: Bool {
        switch self {
        case .say, .play, .pause: true
        default: false
        }
    }

    /// An element with the attributes that have a value, in the order given (a `KeyValuePairs`
    /// keeps it, so the output is stable).
    private static func element(_ name: String, _ attributes: KeyValuePairs<String, String?>, text: String? = nil) -> XMLTree.Element {
        XMLTree.Element(
            name, attributes: attributes.compactMap { name, value in value.map { XMLTree.Attribute(name, $0) } },
            children: text.map { [.text($0)] } ?? [])
    }
}

// The option structs below take Swift's memberwise initialisers: every option defaults to nil
// (unset, so the attribute is left out).

/// `<Say>`: text spoken to the caller.
struct TwiMLSay: Sendable, Equatable {
    var text: String
    var voice: String?
    var language: String?
    var loop: Int?
}

/// `<Gather>`: collects digits or speech, saying or playing its prompts meanwhile.
struct TwiMLGather: Sendable, Equatable {
    var action: String?
    var method: String?
    /// `dtmf`, `speech` or `dtmf speech`.
    var input: String?
    var numDigits: Int?
    var timeout: Int?
    var finishOnKey: String?
    var language: String?
    var speechTimeout: String?
    var actionOnEmptyResult: Bool?
    /// Say, Play and Pause verbs; others are left out.
    var prompts: [TwiMLVerb] = []
}

/// `<Dial>`: connects the caller to another party.
struct TwiMLDial: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        case number(String)
        case client(String)
        case sip(String)
    }

    var targets: [Target]
    var timeout: Int?
    var callerId: String?
    var action: String?
    var method: String?
    var timeLimit: Int?
    /// `do-not-record`, `record-from-answer`, ...
    var record: String?
}

/// `<Record>`: records the caller (a voicemail).
struct TwiMLRecord: Sendable, Equatable {
    var action: String?
    var method: String?
    var maxLength: Int?
    var timeout: Int?
    var finishOnKey: String?
    var playBeep: Bool?
    var transcribe: Bool?
    var recordingStatusCallback: String?
    var recordingStatusCallbackEvent: String?
    var trim: String?
}
