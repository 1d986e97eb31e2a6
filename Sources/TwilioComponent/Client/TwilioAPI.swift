import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes
import Logging

/// Requests to Twilio for one invocation: the right host of each product (the REST API, Verify,
/// Lookup; every one replaced by the run's base-URL override when it has one), the connection's
/// credentials, and Twilio's error bodies read into the classified ``ComponentError``s (``ServiceClient``).
struct TwilioAPI: Sendable {
    let credentials: TwilioCredentials
    let client: ServiceClient

    init(context: ActionContext, settings: ServiceSettings) throws(ComponentError) {
        let credentials = try TwilioCredentials(context.connection)
        self.credentials = credentials
        let hosts = [TwilioHosts.Product.verify, .lookups].map {
            ($0.rawValue, TwilioHosts.baseURL($0, region: credentials.region, edge: credentials.edge))
        }
        var client = ServiceClient(
            name: "Twilio", baseURL: TwilioHosts.baseURL(.api, region: credentials.region, edge: credentials.edge),
            hosts: Dictionary(uniqueKeysWithValues: hosts), settings: settings,
            auth: .basic(username: credentials.username, password: credentials.secret), context: context,
            mapError: { error, classified in TwilioErrors.componentError(error, classified, credentials: credentials) })
        client.isFinalAnswer = TwilioErrors.isFinalAnswer
        self.client = client
    }

    /// `https://api.twilio.com`, the region's host, or the run's override.
    var baseURL: String { client.baseURL }
    var settings: ServiceSettings { client.settings }

    /// Where `product`'s paths go: its host for the connection's region and edge, or the run's
    /// override (which stands for every Twilio host: api, verify, lookups). Only tests read it,
    /// to see the hosts the client was built with.
    func baseURL(of product: TwilioHosts.Product) -> String {
        product == .api ? client.baseURL : client.hosts[product.rawValue] ?? client.baseURL
    }

    /// `/2010-04-01/Accounts/{AccountSid}`.
    var accountPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)" }

    /// Sends `request` (its URL relative to the base unless absolute) with the connection's credentials.
    /// A path (`/v2/...`) goes to `host`'s base URL.
    func send(_ request: HTTPClientRequest, host: TwilioHosts.Product = .api) async throws(ComponentError) -> HTTPClientResponse {
        try requireServed(host)
        var request = request
        // Twilio answers a DELETE with no body at all.
        if request.method != .delete, !request.headerFields.contains(.accept) {
            request.headerFields.append(HTTPField(name: .accept, value: "application/json"))
        }
        return try await client.send(request, host: host == .api ? nil : host.rawValue)
    }

    /// Sends and parses a JSON response; a path goes to `host`'s base URL.
    func json(_ request: HTTPClientRequest, host: TwilioHosts.Product = .api) async throws(ComponentError) -> JSONValue {
        try requireServed(host)
        var request = request
        if !request.headerFields.contains(.accept) { request.headerFields.append(HTTPField(name: .accept, value: "application/json")) }
        return try await client.json(request, host: host == .api ? nil : host.rawValue)
    }

    /// Refuses, before any request, a product that Twilio does not serve in the connection's
    /// region: its host there does not exist, so every attempt would fail as not sent. The
    /// override changes nothing: it stands in for Twilio, region and all.
    func requireServed(_ product: TwilioHosts.Product) throws(ComponentError) {
        guard !product.isServed(in: credentials.region), let regions = product.regions else { return }
        let listed = regions.map { $0.uppercased() }.joined(separator: " and ")
        let region = credentials.region ?? ""
        throw ComponentError(
            .connection, code: "region_not_served",
            message:
                "Twilio serves \(product.name) only in \(listed), and the \(credentials.connectionKey) connection is in region \(region): use a connection in region \(regions.joined(separator: " or ")) (or with no region, which is US1) for this action, with credentials of that region.",
            details: ["region": .string(region), "product": .string(product.rawValue)])
    }
}

/// Twilio's error bodies (`{"code", "message", "more_info", "status"}`) as classified errors.
enum TwilioErrors {
    static func componentError(_ error: HTTPError, _ classified: ComponentError, credentials: TwilioCredentials) -> ComponentError {
        var component = classified
        guard error.kind == .upstream, let status = error.status?.code else { return component }
        let body = error.bodyJSON
        let code = body?["code"]?.intValue
        let message = body?["message"]?.stringValue
        let detail = body?["detail"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        component.code = code.map(JSONValue.integer) ?? component.code
        component.moreInfo = body?["more_info"]?.stringValue
        let summary = [message, detail].compactMap { $0?.trimming { $0 == "." || $0 == " " } }.joined(separator: ": ")
        let described = summary.isEmpty ? "status \(status)" : summary
        if status == 401 || code == 20003 || code == 20008 {
            component.kind = .connection
            component.message =
                "Twilio refused the credentials of the \(credentials.connectionKey) connection (\(described), error \(code ?? status)); \(credentials.checkHint)."
        } else {
            component.message = "Twilio answered \(status): \(described)" + (code.map { " (error \($0))" } ?? "") + "."
            if let hint = code.flatMap(TwilioErrorHints.hint(for:)) { component.message += " " + hint }
            if error.maybeSent { component.message += " The request may have been processed: check before sending it again." }
            if error.endedAtDeadline { component.message += " The request's deadline left no time to try again." }
        }
        return component
    }

    /// Verify's limits that a retry cannot get past: 60202 (the verification's check attempts are
    /// used up) and 60203 (its send attempts are). Both come as 429s, which are otherwise retried.
    static let finalVerifyLimits: Set<Int> = [60202, 60203]

    /// Whether a failed answer is final although its status is retried: a 429 whose Twilio error
    /// code is one of ``finalVerifyLimits``. The transport then neither retries it nor calls the
    /// error retryable, so an engine does not retry it either.
    @Sendable static func isFinalAnswer(_ status: HTTPResponse.Status, _ body: Data) -> Bool {
        guard status.code == 429, let json = try? JSONParser.parse(body), let code = json["code"]?.intValue else { return false }
        return finalVerifyLimits.contains(code)
    }
}
