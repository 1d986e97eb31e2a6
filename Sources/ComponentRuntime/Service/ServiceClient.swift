public import ComponentCore
public import ComponentHTTP
public import FoundationEssentials
public import HTTPTypes
public import Logging

/// How a service wants its credentials.
public enum ServiceAuth: Sendable {
    /// `Authorization: Basic` with a user name and a secret.
    case basic(username: String, password: Secret)
    /// `Authorization: Bearer <token>`.
    case bearer(Secret)
    /// The secret in a header of the service's own (`X-API-Key`).
    case header(name: String, value: Secret)
}

/// Requests to one component's service for one invocation: its base URL (or the run's override),
/// its credentials, default headers, the run's timeouts and retry policy, whether the element is
/// safe to repeat, and its errors classified once, by the runtime's mapping and then the
/// component's hook.
public struct ServiceClient: Sendable {
    /// Adjusts the classified error of a failed request with what the service's error body says
    /// (its code, its message, a connection error for refused credentials); gets the runtime's
    /// classification and the HTTP error it came from.
    public typealias ErrorMapping = @Sendable (_ error: HTTPError, _ classified: ComponentError) -> ComponentError

    /// The service's name, for messages ("SendGrid").
    public var name: String
    /// Where relative URLs go: the run's override, else the service's address.
    public var baseURL: String
    /// Other hosts of the same service by name (`verify`: `https://verify.example.com`), each also
    /// replaced by the run's override.
    public var hosts: [String: String]
    public var auth: ServiceAuth?
    /// Headers sent with every request that does not set them.
    public var headers: HTTPFields
    public var settings: ServiceSettings
    /// Marks every request safe to repeat (the element is read-only or idempotent by its manifest).
    public var repeatable: Bool
    public var logger: Logger?
    public var mapError: ErrorMapping?
    /// Which failed answers of the service are final although their status is retried (a 429
    /// whose error code names a limit that waiting does not lift), for requests that say nothing
    /// (``HTTPClientRequest/isFinalAnswer``).
    public var isFinalAnswer: (@Sendable (_ status: HTTPResponse.Status, _ body: Data) -> Bool)?

    /// A client of the service at `baseURL` (unless `settings` overrides it).
    public init(
        name: String, baseURL: String, hosts: [String: String] = [:], settings: ServiceSettings, auth: ServiceAuth?,
        headers: HTTPFields = [:], repeatable: Bool = false, logger: Logger?, mapError: ErrorMapping? = nil
    ) {
        self.name = name
        self.baseURL = settings.baseURL ?? baseURL
        self.hosts = hosts.mapValues { settings.baseURL ?? $0 }
        self.auth = auth
        self.headers = headers
        self.settings = settings
        self.repeatable = repeatable
        self.logger = logger
        self.mapError = mapError
    }

    /// A client for one invocation: its logger, and its element's safety to repeat, from `context`.
    public init(
        name: String, baseURL: String, hosts: [String: String] = [:], settings: ServiceSettings, auth: ServiceAuth?,
        headers: HTTPFields = [:], context: ActionContext, mapError: ErrorMapping? = nil
    ) {
        self.init(
            name: name, baseURL: baseURL, hosts: hosts, settings: settings, auth: auth, headers: headers, repeatable: context.repeatable,
            logger: context.logger, mapError: mapError)
    }

    /// Sends `request`; a URL starting with `/` is relative to the base URL, or to `host`'s.
    /// - Throws: the request's error, classified (its ``ComponentError/cause`` the ``HTTPError``).
    public func send(_ request: HTTPClientRequest, host: String? = nil) async throws(ComponentError) -> HTTPClientResponse {
        var request = request
        if request.url.hasPrefix("/") {
            guard let base = host.map({ hosts[$0] }) ?? baseURL else {
                throw ComponentError(
                    .internal, code: "unknown_host",
                    message:
                        "The component asked for \(name)'s host '\(host ?? "")', which its client does not know; this is a bug in the component."
                )
            }
            request.url = base + request.url
        }
        switch auth {
        case .basic(let username, let password): request.auth = BasicAuth(username: username, password: password)
        case .bearer(let token): request.headerFields[.authorization] = "Bearer " + token.reveal()
        case .header(let name, let value):
            if let field = HTTPField.Name(name) {
                request.headerFields[field] = value.reveal()
                request.secretHeaderFields.insert(field)
            }
        case nil: break
        }
        for field in headers where !request.headerFields.contains(field.name) { request.headerFields.append(field) }
        if request.timeouts == nil { request.timeouts = settings.timeouts }
        if request.retry == nil { request.retry = settings.retry }
        if repeatable, request.safeToRepeat == nil { request.safeToRepeat = true }
        if request.isFinalAnswer == nil { request.isFinalAnswer = isFinalAnswer }
        do {
            return try await settings.http.send(request, logger: logger)
        } catch {
            let classified = ComponentError(error)
            throw mapError?(error, classified) ?? classified
        }
    }

    /// Sends `request` and parses its JSON answer.
    /// - Throws: the request's error, or a `protocol` error when the answer is not JSON.
    public func json(_ request: HTTPClientRequest, host: String? = nil) async throws(ComponentError) -> JSONValue {
        let response = try await send(request, host: host)
        guard let json = response.json else {
            throw ComponentError(
                .protocol, code: "invalid_response",
                message:
                    "\(name) answered \(response.status.code) with a body that is not JSON; the request may have gone to the wrong host (\(HTTPError.strippingCredentials(host.flatMap { hosts[$0] } ?? baseURL))).",
                status: response.status.code)
        }
        return json
    }
}
