import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `deleteRecording`: deletes one recording (its audio and details).
///
/// A DELETE is idempotent, so it is retried after a 5xx, a timeout or a broken connection. When
/// such a retry finds the recording gone (404), the earlier attempt whose answer was lost may well
/// have deleted it: the recording is gone either way, which is what was asked, so that is success.
/// Any other 404 is an error (``AlreadyGone``): at the first attempt, or after a 429, nothing
/// this run did removed it, and the SID may be wrong.
struct DeleteRecording: ActionHandler {
    struct Input: Decodable, Sendable {
        var recordingSid: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        do {
            _ = try await api.send(HTTPClientRequest(method: .delete, url: api.accountPath + "/Recordings/\(input.recordingSid).json"))
            return ["sid": .string(input.recordingSid), "deleted": true, "alreadyGone": false]
        } catch {
            guard AlreadyGone.isGone(error) else { throw error }
            return ["sid": .string(input.recordingSid), "deleted": true, "alreadyGone": true]
        }
    }
}
