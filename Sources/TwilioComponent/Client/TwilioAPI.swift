import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Logging

/// Requests to Twilio's REST API for one invocation: the right host, the connection's credentials,
/// and Twilio's error bodies read into the classified ``ComponentError``s (``ServiceClient``).
struct TwilioAPI: Sendable {
    let credentials: TwilioCredentials
    let client: ServiceClient

    init(context: ActionContext, settings: ServiceSettings) throws(ComponentError) {
        let credentials = try TwilioCredentials(context.connection)
        self.credentials = credentials
        client = ServiceClient(
            name: "Twilio", baseURL: TwilioHosts.baseURL(region: credentials.region, edge: credentials.edge), settings: settings,
            auth: .basic(username: credentials.username, password: credentials.secret), context: context,
            mapError: { error, classified in TwilioErrors.componentError(error, classified, credentials: credentials) })
    }

    /// `https://api.twilio.com`, the region's host, or the run's override.
    var baseURL: String { client.baseURL }
    var settings: ServiceSettings { client.settings }

    /// `/2010-04-01/Accounts/{AccountSid}`.
    var accountPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)" }

    /// Sends `request` (its URL relative to the base unless absolute) with the connection's credentials.
    func send(_ request: HTTPClientRequest) async throws(ComponentError) -> HTTPClientResponse {
        var request = request
        // Twilio answers a DELETE with no body at all.
        if request.method != .delete, !request.headerFields.contains(.accept) {
            request.headerFields.append(HTTPField(name: .accept, value: "application/json"))
        }
        return try await client.send(request)
    }

    /// Sends and parses a JSON response.
    func json(_ request: HTTPClientRequest) async throws(ComponentError) -> JSONValue {
        var request = request
        if !request.headerFields.contains(.accept) { request.headerFields.append(HTTPField(name: .accept, value: "application/json")) }
        return try await client.json(request)
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
        let summary = [message, detail].compactMap { $0?.trimmingCharacters(in: CharacterSet(charactersIn: ". ")) }.joined(separator: ": ")
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
}
