import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `redactMessage`: empties a message's body, Twilio's redaction (an update with `Body=`), keeping
/// its other details. Redacting twice leaves the same message, so the update is retried like a
/// read (the manifest hints it idempotent).
struct RedactMessage: ActionHandler {
    struct Input: Decodable, Sendable {
        var messageSid: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let request = HTTPClientRequest(
            method: .post, url: api.accountPath + "/Messages/\(input.messageSid).json", body: .form([("Body", "")]), safeToRepeat: true)
        do {
            return MessageOutput.map(try await api.json(request))
        } catch {
            throw MessageLifeErrors.explained(error, action: "redacted")
        }
    }
}
