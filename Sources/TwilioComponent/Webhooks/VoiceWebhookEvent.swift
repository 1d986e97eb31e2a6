import ComponentCore

/// What a voice webhook is about: read from the marker the `voiceWebhook` trigger's own TwiML put
/// on its callback URLs (`?event=gather-result`, covered by the signature), else from the fields
/// Twilio sent. Also the event's idempotency key and its `twilio` summary.
struct VoiceWebhookEvent: Equatable {
    enum Kind: String, CaseIterable {
        /// A call to be answered: an incoming call, or an outgoing call the callee picked up.
        case incomingCall = "incoming-call"
        /// A call status callback (`CallbackSource=call-progress-events`, or a final status).
        case callStatus = "call-status"
        /// What the caller pressed or said to a `<Gather>`.
        case gatherResult = "gather-result"
        /// How a `<Dial>` ended (`DialCallStatus`).
        case dialResult = "dial-result"
        /// The post after a `<Record>` ended.
        case recordResult = "record-result"
        /// A recording status callback saying a recording is complete and can be fetched.
        case recordingReady = "recording-ready"
        /// Any other recording status callback (`failed`, `absent`, `in-progress`).
        case recordingStatus = "recording-status"
        /// Not a voice webhook this trigger knows (no `CallSid`).
        case other
    }

    /// The query parameter naming the event on the trigger's own callback URLs.
    static let markerName = "event"

    /// The markers the trigger puts on its callback URLs, each naming what comes back there.
    enum Marker: String, CaseIterable {
        case gatherResult = "gather-result"
        case dialResult = "dial-result"
        case recordResult = "record-result"
        case recordingStatus = "recording-status"
    }

    var kind: Kind
    /// Twilio's fields (the parsed form).
    var data: JSONValue

    /// The event of `data` delivered with `marker` (the URL's `event` query value, if any).
    init(data: JSONValue, marker: String?) {
        self.data = data
        kind = Self.classify(data, marker: marker.flatMap(Marker.init(rawValue:)))
    }

    static func classify(_ data: JSONValue, marker: Marker?) -> Kind {
        func has(_ name: String) -> Bool { Self.field(name, in: data) != nil }
        let recordingStatus = Self.field("RecordingStatus", in: data)
        switch marker {
        case .gatherResult?: return .gatherResult
        case .dialResult?: return .dialResult
        case .recordResult?: return .recordResult
        case .recordingStatus?: return recordingStatus == "completed" ? .recordingReady : .recordingStatus
        case nil: break
        }
        // No marker: a webhook configured elsewhere (the number's Voice URL, a call's
        // StatusCallback, another app's TwiML), told apart by the fields each kind carries.
        if let recordingStatus { return recordingStatus == "completed" ? .recordingReady : .recordingStatus }
        guard has("CallSid") else { return .other }
        if has("DialCallStatus") { return .dialResult }
        if has("RecordingUrl") { return .recordResult }
        if has("Digits") || has("SpeechResult") { return .gatherResult }
        if has("CallbackSource") || has("SequenceNumber") { return .callStatus }
        switch Self.field("CallStatus", in: data) {
        case "completed", "busy", "failed", "no-answer", "canceled": return .callStatus
        default: return .incomingCall
        }
    }

    /// A stable key for the event: Twilio's `I-Twilio-Idempotency-Token` when it sent one, else the
    /// call, the event and what makes it unique (a status and its sequence number, the digits, the
    /// recording), so that the same request redelivered gives the same key. `nil` without a call.
    func idempotencyKey(token: String?) -> String? {
        if let token, !token.isEmpty { return token }
        guard let callSid = field("CallSid") else { return nil }
        let parts: [String?] =
            switch kind {
            case .incomingCall, .other: []
            case .callStatus: [field("CallStatus"), field("SequenceNumber")]
            case .gatherResult: [field("Digits"), field("SpeechResult")]
            case .dialResult: [field("DialCallSid"), field("DialCallStatus")]
            case .recordResult: [field("RecordingSid")]
            case .recordingReady, .recordingStatus: [field("RecordingSid"), field("RecordingStatus")]
            }
        return ([callSid, kind.rawValue] + parts.compactMap { $0 }).joined(separator: ":")
    }

    /// The payload's `twilio` object: the event and the fields a flow branches on, `null` when absent.
    var summary: JSONObject {
        var summary: JSONObject = ["event": .string(kind.rawValue)]
        for (name, field) in [
            ("callSid", "CallSid"), ("status", "CallStatus"), ("direction", "Direction"), ("from", "From"), ("to", "To"),
            ("digits", "Digits"), ("speechResult", "SpeechResult"), ("dialCallStatus", "DialCallStatus"),
            ("recordingSid", "RecordingSid"), ("recordingUrl", "RecordingUrl"), ("recordingStatus", "RecordingStatus"),
        ] {
            summary[name] = self.field(field).map(JSONValue.string) ?? .null
        }
        return summary
    }

    func field(_ name: String) -> String? { Self.field(name, in: data) }

    /// A field's value (the first, when Twilio repeated it).
    static func field(_ name: String, in data: JSONValue) -> String? {
        guard let value = data[name] else { return nil }
        return value.stringValue ?? value.arrayValue?.first?.stringValue
    }
}
