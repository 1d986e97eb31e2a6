import Foundation

/// Posts a call's status callbacks (the events it asked for with `StatusCallbackEvent`) and
/// recordings' status callbacks, signed, with Twilio's parameters.
struct CallStatusCallbacks: Sendable {
    let core: SandboxCore

    /// The parameters Twilio sends with every request about a call.
    static func parameters(of call: StoredCall, status: String? = nil) -> [(String, String)] {
        var parameters: [(String, String)] = [
            ("AccountSid", call.accountSid), ("ApiVersion", "2010-04-01"), ("CallSid", call.sid), ("CallStatus", status ?? call.status),
            ("Called", call.to), ("Caller", call.from), ("Direction", call.direction), ("From", call.from), ("To", call.to),
        ]
        if let parent = call.parentCallSid { parameters.append(("ParentCallSid", parent)) }
        if let answeredBy = call.answeredBy { parameters.append(("AnsweredBy", answeredBy)) }
        return parameters
    }

    /// Posts `event` (`initiated`, `ringing`, `answered` or `completed`) for the call `sid` as it
    /// is now, when the call asked for it.
    func post(_ event: String, call sid: String) async {
        guard let call = core.voice.store.call(sid), let url = call.settings.statusCallback,
            call.settings.statusCallbackEvents.contains(event)
        else { return }
        let status =
            switch event {
            case "initiated": "initiated"
            case "ringing": "ringing"
            case "answered": "in-progress"
            default: call.status
            }
        var parameters = Self.parameters(of: call, status: status)
        parameters.append(("CallbackSource", "call-progress-events"))
        parameters.append(("SequenceNumber", String(core.voice.nextCallbackSequence(call: sid))))
        parameters.append(("Timestamp", TwilioDate.string(fromUnixSeconds: core.now)))
        if event == "completed" {
            let duration = call.duration ?? 0
            parameters.append(("CallDuration", String(duration)))
            parameters.append(("Duration", String(Int((Double(duration) / 60).rounded(.up)))))
        }
        await send(url, method: call.settings.statusCallbackMethod, kind: "call-status", sid: sid, parameters: parameters)
    }

    /// Posts a recording's `completed` status callback to `url`.
    func postRecording(_ recording: StoredRecording, url: String, method: String) async {
        let parameters: [(String, String)] = [
            ("AccountSid", recording.accountSid), ("CallSid", recording.callSid), ("RecordingSid", recording.sid),
            ("RecordingUrl", core.voice.baseURL + recording.uri), ("RecordingStatus", "completed"),
            ("RecordingDuration", String(recording.duration)), ("RecordingChannels", String(recording.channels)),
            ("RecordingStartTime", TwilioDate.string(fromUnixSeconds: recording.startTime)), ("RecordingSource", recording.source),
            ("ErrorCode", "0"),
        ]
        await send(url, method: method, kind: "recording-status", sid: recording.callSid, parameters: parameters)
    }

    private func send(_ url: String, method: String, kind: String, sid: String, parameters: [(String, String)]) async {
        if method == "GET" {
            _ = await TwiMLFetcher(clients: core.webhooks.clients, authToken: core.credentials.authToken).fetch(
                url, method: "GET", parameters: parameters)
        } else {
            await core.webhooks.deliver(kind: kind, url: url, messageSid: sid, parameters: parameters)
        }
    }
}
