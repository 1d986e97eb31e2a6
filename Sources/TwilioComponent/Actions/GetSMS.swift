import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `getSMS`: one message by SID.
struct GetSMS: ActionHandler {
    struct Input: Decodable, Sendable {
        var messageSid: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let message = try await api.json(HTTPClientRequest(method: .get, url: api.accountPath + "/Messages/\(input.messageSid).json"))
        return MessageOutput.map(message)
    }
}
