import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `getMessageMedia`: one media file of a message: its details and its bytes, fetched with the
/// same credentials from `/Messages/{MessageSid}/Media/{Sid}` and returned as
/// `{"contentType", "encoding": "base64", "data"}` (getRecording's shape).
struct GetMessageMedia: ActionHandler {
    struct Input: Decodable, Sendable {
        var messageSid: String
        var mediaSid: String
        var maxBytes: Int
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let path = api.accountPath + "/Messages/\(input.messageSid)/Media/\(input.mediaSid)"
        let details = try await api.json(HTTPClientRequest(method: .get, url: path + ".json"))
        guard case .object(var output) = MediaOutput.map(details) else { return MediaOutput.map(details) }
        let contentType = details["content_type"]?.stringValue ?? "*/*"
        output["media"] = try await api.download(
            path, accept: contentType, maxBytes: input.maxBytes, owner: "action 'getMessageMedia'",
            tooLarge:
                "media \(input.mediaSid) (\(contentType)) of message \(input.messageSid) is larger. Raise Max Bytes (at most 100 MiB), or fetch the media's URL yourself."
        )
        return .object(output)
    }
}
