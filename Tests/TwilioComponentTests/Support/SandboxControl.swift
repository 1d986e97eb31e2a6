import ComponentRuntime

/// A test helper pointed at a sandbox, with the sandbox's control endpoints.
protocol SandboxControlling {
    var baseURL: String { get }
}

extension SandboxControlling {
    /// Every message the sandbox holds.
    func sandboxMessages() async throws -> [JSONValue] {
        let response = try await CurlHTTPClient(pool: HTTPConnectionPool()).send(HTTPRequest(method: .get, url: baseURL + "/__sandbox/messages"))
        return try JSONParser.parse(response.body)["messages"]?.arrayValue ?? []
    }

    /// Scripts a sandbox fault.
    func fault(_ route: String, _ fault: JSONValue, count: Int = 1) async throws {
        _ = try await CurlHTTPClient(pool: HTTPConnectionPool()).send(HTTPRequest(
            method: .post, url: baseURL + "/__sandbox/faults", body: .json(["route": .string(route), "count": .integer(count), "fault": fault])))
    }
}
