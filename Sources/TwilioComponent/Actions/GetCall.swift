import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// `getCall`: one call by SID.
struct GetCall: ActionHandler {
    struct Input: Decodable, Sendable {
        var callSid: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let call = try await api.json(HTTPClientRequest(method: .get, url: api.accountPath + "/Calls/\(input.callSid).json"))
        return CallOutput.map(call)
    }
}
