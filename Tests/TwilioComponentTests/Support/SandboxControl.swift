import ComponentCore
import ComponentHTTP
import HTTPTypes
import TwilioSandbox

/// Where a test helper sends its requests: a sandbox (or another server) and how to reach it.
struct SandboxEndpoint: Sendable {
    let baseURL: String
    let credentials: SandboxCredentials
    /// Over HTTPS: the CA certificate file the server's certificate chains to.
    let certificateAuthorityFile: String?
    /// A client of the server for the sandbox's control endpoints, trusting its CA, with a pool
    /// of its own (so the component's connections are never the test's).
    let controlClient: CurlHTTPClient
    /// The sandbox, when it runs in this process.
    let sandbox: LocalSandbox?

    /// The in-process `sandbox`.
    init(_ sandbox: LocalSandbox) {
        self.init(
            baseURL: sandbox.baseURL, credentials: sandbox.credentials, certificateAuthorityFile: sandbox.certificateAuthorityFile,
            sandbox: sandbox)
    }

    /// A server at `baseURL`.
    init(baseURL: String, credentials: SandboxCredentials, certificateAuthorityFile: String?, sandbox: LocalSandbox? = nil) {
        self.baseURL = baseURL
        self.credentials = credentials
        self.certificateAuthorityFile = certificateAuthorityFile
        self.sandbox = sandbox
        controlClient = CurlHTTPClient(
            pool: HTTPConnectionPool(settings: HTTPClientSettings(trust: TLSTrust(certificateFile: certificateAuthorityFile))))
    }
}

/// A test helper pointed at a sandbox, with the sandbox's control endpoints.
protocol SandboxControlling {
    var endpoint: SandboxEndpoint { get }
    init(endpoint: SandboxEndpoint)
}

extension SandboxControlling {
    /// Pointed at the in-process `sandbox`.
    init(_ sandbox: LocalSandbox) { self.init(endpoint: SandboxEndpoint(sandbox)) }

    var baseURL: String { endpoint.baseURL }
    var credentials: SandboxCredentials { endpoint.credentials }
    var certificateAuthorityFile: String? { endpoint.certificateAuthorityFile }
    var controlClient: CurlHTTPClient { endpoint.controlClient }
    var sandbox: LocalSandbox? { endpoint.sandbox }

    /// Every message the sandbox holds.
    func sandboxMessages() async throws -> [JSONValue] {
        let response = try await controlClient.send(HTTPClientRequest(method: .get, url: baseURL + "/__sandbox/messages"))
        return try JSONParser.parse(response.body)["messages"]?.arrayValue ?? []
    }

    /// Scripts a sandbox fault.
    func fault(_ route: String, _ fault: JSONValue, count: Int = 1) async throws {
        _ = try await controlClient.send(
            HTTPClientRequest(
                method: .post, url: baseURL + "/__sandbox/faults",
                body: .json(["route": .string(route), "count": .integer(count), "fault": fault])))
    }

    /// The HTTP versions the sandbox's requests came in by (`["HTTP/2"]`), and the protocols its
    /// TLS handshakes chose (`["h2"]`): what a test checks its transport with.
    func protocolsSeen() async throws -> (requests: Set<String>, handshakes: Set<String>) {
        let traffic = try await traffic()
        return (Set(traffic["requests"]?.objectValue?.keys ?? []), Set(traffic["tls"]?["handshakes"]?.objectValue?.keys ?? []))
    }

    /// What reached the sandbox below the API: connections, TLS handshakes, requests by version,
    /// refused streams, GOAWAYs, API requests in flight and their peak.
    /// Read in-process when the sandbox runs here, so that reading adds nothing to it.
    func traffic() async throws -> JSONValue {
        if let sandbox { return sandbox.traffic }
        return try JSONParser.parse(try await controlClient.send(HTTPClientRequest(method: .get, url: baseURL + "/__sandbox/traffic")).body)
    }
}
