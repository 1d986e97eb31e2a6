import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import HTTPTypes
import Logging

/// Requests to Twilio's REST API for one invocation: the right host, the connection's credentials,
/// and Twilio's errors turned into classified ``ComponentError``s.
struct TwilioAPI: Sendable {
    let credentials: TwilioCredentials
    let configuration: TwilioConfiguration
    let logger: Logger

    init(context: ActionContext, configuration: TwilioConfiguration) throws(ComponentError) {
        credentials = try TwilioCredentials(context.connection)
        self.configuration = configuration
        logger = context.logger
    }

    /// `https://api.twilio.com`, the region's host, or the configured override.
    var baseURL: String {
        configuration.baseURL ?? TwilioHosts.baseURL(region: credentials.region, edge: credentials.edge)
    }

    /// `/2010-04-01/Accounts/{AccountSid}`.
    var accountPath: String { "/2010-04-01/Accounts/\(credentials.accountSid)" }

    /// Sends `request` (its URL relative to the base unless absolute) with the connection's credentials.
    func send(_ request: HTTPClientRequest) async throws(ComponentError) -> HTTPClientResponse {
        var request = request
        if request.url.hasPrefix("/") { request.url = baseURL + request.url }
        request.auth = credentials.basicAuth
        if request.timeouts == HTTPTimeouts() { request.timeouts = configuration.timeouts }
        request.headerFields[.userAgent] = TwilioConfiguration.userAgent
        if request.method != .delete, !request.headerFields.contains(.accept) {
            request.headerFields.append(HTTPField(name: .accept, value: "application/json"))
        }
        do {
            return try await configuration.http.send(request, logger: logger)
        } catch {
            throw TwilioErrors.componentError(error, credentials: credentials)
        }
    }

    /// Sends and parses a JSON response.
    func json(_ request: HTTPClientRequest) async throws(ComponentError) -> JSONValue {
        let response = try await send(request)
        guard let json = response.json else {
            throw ComponentError(
                .protocol, code: "invalid_response",
                message:
                    "Twilio answered \(response.status.code) with a body that is not JSON; the request may have gone to the wrong host (\(baseURL)).",
                status: response.status.code)
        }
        return json
    }
}

/// Twilio's error bodies (`{"code", "message", "more_info", "status"}`) as classified errors.
enum TwilioErrors {
    static func componentError(_ error: HTTPError, credentials: TwilioCredentials) -> ComponentError {
        var component = ComponentError(error)
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
            if error.maybeSent { component.message += " The request may have been processed: check before sending it again." }
            if error.endedAtDeadline { component.message += " The request's deadline left no time to try again." }
        }
        return component
    }
}
