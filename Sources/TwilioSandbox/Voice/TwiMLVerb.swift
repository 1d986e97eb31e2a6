/// One instruction of a TwiML document, validated: what the interpreter runs.
enum TwiMLVerb: Sendable, Equatable {
    case say(text: String, voice: String?, language: String?, loop: Int)
    /// `url` is empty when only `digits` are played.
    case play(url: String, loop: Int, digits: String?)
    case pause(length: Int)
    case gather(TwiMLGather)
    case dial(TwiMLDial)
    case record(TwiMLRecord)
    case redirect(url: String, method: String)
    case hangup
    case reject(reason: String)

    /// The verb's TwiML name.
    var name: String {
        switch self {
        case .say: "Say"
        case .play: "Play"
        case .pause: "Pause"
        case .gather: "Gather"
        case .dial: "Dial"
        case .record: "Record"
        case .redirect: "Redirect"
        case .hangup: "Hangup"
        case .reject: "Reject"
        }
    }
}

/// `<Gather>`: prompts, then waiting for keys or speech.
struct TwiMLGather: Sendable, Equatable {
    /// `dtmf`, `speech`, or both.
    var input: Set<String>
    var numDigits: Int?
    /// Seconds to wait for input.
    var timeout: Int
    var finishOnKey: String
    var action: String?
    var method: String
    var actionOnEmptyResult: Bool
    /// The nested `<Say>`, `<Play>` and `<Pause>`.
    var prompts: [TwiMLVerb]
}

/// `<Dial>`: rings one or more parties and connects the first who answers.
struct TwiMLDial: Sendable, Equatable {
    struct Target: Sendable, Equatable {
        /// `Number`, `Client` or `Sip`.
        var noun: String
        var address: String
    }

    var targets: [Target]
    var timeout: Int
    var callerId: String?
    var action: String?
    var method: String
    var record: Bool
    var timeLimit: Int
}

/// `<Record>`: records the caller.
struct TwiMLRecord: Sendable, Equatable {
    var action: String?
    var method: String
    var maxLength: Int
    var timeout: Int
    var finishOnKey: String
    var playBeep: Bool
    var recordingStatusCallback: String?
    var recordingStatusCallbackMethod: String
    var recordingStatusCallbackEvents: [String]
    var trim: String
}
