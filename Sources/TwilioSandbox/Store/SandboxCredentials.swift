/// The credentials the sandbox accepts: one account, its Auth Token, and one API key pair.
///
/// The defaults are fixed and public on purpose: they are test credentials for a local server,
/// and examples (webhook payloads signed with the Auth Token) can rely on them.
public struct SandboxCredentials: Sendable, Hashable, Codable {
    /// `AC` + 32 hex digits.
    public var accountSid: String
    /// The account's Auth Token (32 hex digits); it also signs the sandbox's webhooks.
    public var authToken: String
    /// `SK` + 32 hex digits.
    public var apiKeySid: String
    /// The API key's secret.
    public var apiKeySecret: String

    /// Credentials.
    public init(accountSid: String, authToken: String, apiKeySid: String, apiKeySecret: String) {
        self.accountSid = accountSid
        self.authToken = authToken
        self.apiKeySid = apiKeySid
        self.apiKeySecret = apiKeySecret
    }

    /// The sandbox's fixed test credentials.
    public static let `default` = SandboxCredentials(
        accountSid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        authToken: "5a5b0a9c1d2e3f405162738495a6b7c8",
        apiKeySid: "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        apiKeySecret: "sandboxApiKeySecret0123456789abc")
}
