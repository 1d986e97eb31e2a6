import ComponentCore
import Foundation

/// Twilio's Recordings resource for one authenticated account: the account's list (or a call's),
/// fetch, media (`.wav`, `.mp3`) and delete.
struct RecordingsAPI {
    let core: SandboxCore
    let account: String

    private var voice: VoiceServices { core.voice }

    /// Newest first, filtered by `CallSid` (or the call of the path) and `DateCreated` (`<`, `>`).
    func list(_ query: [(String, String)], callSid: String?, path: String) -> Result<JSONValue, TwilioAPIError> {
        var filters: [(String, String)] = []
        for name in ["CallSid", "DateCreated", "DateCreated<", "DateCreated>"] {
            if let filter = query.first(where: { $0.0 == name })?.1 { filters.append((name, filter)) }
        }
        if let callSid, voice.store.call(callSid, account: account) == nil,
            !voice.store.recordings(account: account).contains(where: { $0.callSid == callSid })
        {
            return .failure(.notFound(path))
        }
        var ranges: [ClosedRange<Double>] = []
        for (name, text) in filters where name.hasPrefix("DateCreated") {
            guard let range = MessagesAPI.dateRange(text, operator: String(name.dropFirst(11))) else {
                return .failure(.invalidParameter("\(name) must be a date such as 2025-05-14 or 2025-05-14T22:42:25Z, but is \(text)."))
            }
            ranges.append(range)
        }
        let call = callSid ?? filters.first { $0.0 == "CallSid" }?.1
        let matching = voice.store.recordings(account: account).filter { recording in
            if let call, recording.callSid != call { return false }
            return ranges.allSatisfy { $0.contains(recording.createdAt) }
        }
        let baseURL = voice.baseURL
        return ListPage.envelope(
            key: "recordings", sequences: matching.map(\.sequence),
            items: { range in matching[range].map { $0.json(baseURL: baseURL, underCall: callSid != nil) } },
            query: query, filters: filters, path: path)
    }

    func fetch(sid: String, path: String) -> Result<JSONValue, TwilioAPIError> {
        guard let recording = voice.store.recording(sid, account: account) else { return .failure(.notFound(path)) }
        return .success(recording.json(baseURL: voice.baseURL))
    }

    /// The recording's media as `extension` (`wav` or `mp3`): its content type and bytes.
    func media(sid: String, extension: String, path: String) -> Result<(contentType: String, bytes: [UInt8]), TwilioAPIError> {
        guard let recording = voice.store.recording(sid, account: account) else { return .failure(.notFound(path)) }
        // A stand-in for the audio, at most a minute of it whatever the recording's duration.
        let seconds = min(recording.duration, RecordingMedia.maximumSeconds)
        switch `extension` {
        case "mp3": return .success(("audio/mpeg", RecordingMedia.mp3(seconds: seconds)))
        default: return .success(("audio/x-wav", RecordingMedia.wav(seconds: seconds)))
        }
    }

    func delete(sid: String, path: String) -> Result<Void, TwilioAPIError> {
        voice.store.deleteRecording(sid, account: account) ? .success(()) : .failure(.notFound(path))
    }
}
