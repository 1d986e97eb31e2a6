import ComponentKit

/// Tests a connection by listing its key's permissions (`GET /v3/scopes`) through the same host,
/// key and error mapping `sendEmail` uses: a connection that passes can send.
struct ScopeCheck: ConnectionCheck {
    let settings: ServiceSettings

    func check(context: ActionContext) async throws -> JSONValue {
        let api = try SendGridAPI(context: context, settings: settings)
        let answer = try await api.client.json(HTTPClientRequest(method: .get, url: "/v3/scopes"))
        let scopes = (answer["scopes"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard scopes.contains("mail.send") else {
            throw ComponentError(
                .connection, code: "missing_scope",
                message:
                    "The API key works, but it lacks the Mail Send permission (mail.send), so SendGrid will refuse every email; edit the key under Settings -> API Keys and give it Mail Send access."
            )
        }
        return ["mailSend": true, "scopes": .integer(scopes.count), "baseURL": .string(api.client.baseURL)]
    }
}
