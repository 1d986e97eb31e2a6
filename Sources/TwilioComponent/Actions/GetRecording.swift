import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `getRecording`: one recording's details and, unless the format is `none`, its audio, fetched
/// with the same credentials from `/Recordings/{Sid}.wav` or `.mp3` and returned as
/// `{"contentType", "encoding": "base64", "data"}`.
struct GetRecording: ActionHandler {
    struct Input: Decodable, Sendable {
        var recordingSid: String
        var format: String
        var maxBytes: Int
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let path = api.accountPath + "/Recordings/\(input.recordingSid)"
        let recording = try await api.json(HTTPClientRequest(method: .get, url: path + ".json"))
        guard case .object(var output) = RecordingOutput.map(recording) else { return RecordingOutput.map(recording) }
        guard input.format != "none" else {
            output["media"] = .null
            return .object(output)
        }
        let accept = input.format == "mp3" ? "audio/mpeg" : "audio/wav, audio/x-wav"
        output["media"] = try await api.download(
            path + "." + input.format, accept: accept, maxBytes: input.maxBytes, owner: "action 'getRecording'",
            tooLarge:
                "recording \(input.recordingSid) in \(input.format) is larger (\(recording["duration"]?.stringValue ?? "?") s long). Raise Max Bytes, ask for mp3 (about a tenth of wav's size), or use format none and fetch mediaUrl yourself."
        )
        return .object(output)
    }
}
