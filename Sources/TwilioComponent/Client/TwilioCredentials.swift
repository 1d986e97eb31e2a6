import ComponentCore
import ComponentHTTP
import ComponentRuntime

/// The credentials a connection carries: the account, the Basic user and secret, and its region.
struct TwilioCredentials: Sendable {
    var accountSid: String
    /// The Account SID (Auth Token connection) or the API key SID (API key connection).
    var username: String
    var secret: Secret
    var region: String?
    var edge: String?
    /// The connection's key, for messages.
    var connectionKey: String

    /// What to check when Twilio refuses these credentials.
    var checkHint: String {
        connectionKey == "apiKey"
            ? "check the Account SID, the API Key SID and its secret (an API key works only in its own region)"
            : "check the Account SID and the Auth Token"
    }

    init(_ connection: ResolvedConnection?) throws(ComponentError) {
        guard let connection else {
            throw ComponentError(
                .connection, code: "missing_connection", message: "This action needs a Twilio connection (apiKey or authToken).")
        }
        guard let accountSid = connection.string("accountSid") else {
            throw ComponentError(.connection, code: "invalid_connection", message: "The connection '\(connection.key)' has no Account SID.")
        }
        self.accountSid = accountSid
        self.connectionKey = connection.key
        region = connection.string("region")
        edge = connection.string("edge")
        switch connection.key {
        case "apiKey":
            guard let key = connection.string("apiKey"), let secret = connection.secret("apiSecret") else {
                throw ComponentError(
                    .connection, code: "invalid_connection", message: "The apiKey connection needs an API Key SID and its secret.")
            }
            username = key
            self.secret = secret
        case "authToken":
            guard let token = connection.secret("authToken") else {
                throw ComponentError(.connection, code: "invalid_connection", message: "The authToken connection needs an Auth Token.")
            }
            username = accountSid
            secret = token
        default:
            throw ComponentError(
                .connection, code: "unknown_connection", message: "Twilio has no connection '\(connection.key)'; use apiKey or authToken.")
        }
    }

    var basicAuth: BasicAuth { BasicAuth(username: username, password: secret) }
}
