import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `deleteMessage`: deletes one message (its body, details and media) from the account.
///
/// A DELETE is idempotent, so it is retried after a 5xx, a timeout or a broken connection; a
/// retry that finds the message gone (404) after an attempt that may have deleted it succeeds, as
/// deleteRecording's does (``AlreadyGone``). Twilio refuses (20009) to delete a message it is still sending.
struct DeleteMessage: ActionHandler {
    struct Input: Decodable, Sendable {
        var messageSid: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        do {
            _ = try await api.send(HTTPClientRequest(method: .delete, url: api.accountPath + "/Messages/\(input.messageSid).json"))
            return ["sid": .string(input.messageSid), "deleted": true, "alreadyGone": false]
        } catch {
            if AlreadyGone.isGone(error) { return ["sid": .string(input.messageSid), "deleted": true, "alreadyGone": true] }
            throw MessageLifeErrors.explained(error, action: "deleted")
        }
    }
}
