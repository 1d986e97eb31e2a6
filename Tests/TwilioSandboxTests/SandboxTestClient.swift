import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TwilioSandbox

/// Plain HTTP calls to a sandbox, through the runtime's libcurl client, as an SDK would make them.
struct SandboxTestClient {
    let baseURL: String
    let credentials: SandboxCredentials
    let http: CurlHTTPClient

    /// A client of the sandbox at `baseURL`; over HTTPS it trusts `certificateAuthorityFile`.
    init(baseURL: String, credentials: SandboxCredentials, certificateAuthorityFile: String? = nil) {
        self.baseURL = baseURL
        self.credentials = credentials
        let trust = TLSTrust(certificateFile: certificateAuthorityFile)
        http = CurlHTTPClient(pool: HTTPConnectionPool(settings: HTTPClientSettings(trust: trust)))
    }

    /// A client of `sandbox`, trusting its CA when it serves HTTPS.
    init(_ sandbox: RunningSandbox) {
        self.init(baseURL: sandbox.baseURL, credentials: sandbox.credentials, certificateAuthorityFile: sandbox.certificateAuthorityFile)
    }

    var messagesPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)/Messages.json" }

    func messagePath(_ sid: String) -> String { "/2010-04-01/Accounts/\(credentials.accountSid)/Messages/\(sid).json" }

    /// Sends a request with the account's Auth Token (or other credentials) and no retries; any
    /// status comes back, and the client gives up after `timeout`.
    func send(
        _ method: HTTPRequest.Method, _ path: String, form: [(String, String)]? = nil, query: [(String, String)] = [],
        auth: BasicAuth? = nil, timeout: Duration = .seconds(10)
    )
        async throws -> HTTPClientResponse
    {
        let request = HTTPClientRequest(
            method: method, url: baseURL + path, query: query, body: form.map { .form($0) } ?? .none,
            auth: auth ?? BasicAuth(username: credentials.accountSid, password: Secret(credentials.authToken)),
            timeouts: HTTPTimeouts(perAttempt: timeout), retry: .never, acceptedStatuses: 100..<600)
        return try await http.send(request)
    }

    func create(_ form: [(String, String)], timeout: Duration = .seconds(10)) async throws -> HTTPClientResponse {
        try await send(.post, messagesPath, form: form, timeout: timeout)
    }

    func json(_ response: HTTPClientResponse) throws -> JSONValue {
        try JSONParser.parse(response.body)
    }

    /// The sandbox's control API.
    func control(_ method: HTTPRequest.Method, _ name: String, json: JSONValue? = nil) async throws -> HTTPClientResponse {
        try await http.send(
            HTTPClientRequest(
                method: method, url: baseURL + "/__sandbox/" + name, body: json.map { .json($0) } ?? .none, retry: .never,
                acceptedStatuses: 100..<600))
    }
}
