import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

/// Tests a connection by fetching its account, through the same credentials, host and error
/// mapping the actions use: a connection that passes can send.
struct AccountCheck: ConnectionCheck {
    let settings: ServiceSettings

    func check(context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let account = try await api.json(HTTPClientRequest(method: .get, url: api.accountPath + ".json"))
        let status = account["status"]?.stringValue ?? "unknown"
        guard status == "active" else {
            throw ComponentError(
                .connection, code: "account_not_active",
                message:
                    "The credentials work, but the account \(api.credentials.accountSid) is \(status): Twilio will refuse to send from it. Reactivate it in the Twilio Console, or use another account."
            )
        }
        return [
            "accountSid": account["sid"] ?? .string(api.credentials.accountSid),
            "friendlyName": account["friendly_name"] ?? .null,
            "status": .string(status),
            "type": account["type"] ?? .null,
            "authentication": .string(context.connection?.key == "apiKey" ? "API key" : "Auth Token"),
            "baseURL": .string(api.baseURL),
        ]
    }
}
