import ComponentKit

/// Requests to SendGrid's v3 API for one invocation: the connection's region and key (a bearer
/// token), and SendGrid's `{"errors": [...]}` bodies turned into classified errors.
struct SendGridAPI: Sendable {
    /// The hosts of SendGrid's regions (the connection's Data Residency).
    static let regions = ["global": "https://api.sendgrid.com", "eu": "https://api.eu.sendgrid.com"]

    let client: ServiceClient

    /// The client for `context`'s connection; `fieldInput` names the input a SendGrid error field
    /// (`personalizations.0.to.0.email`) comes from, for the error's `input`.
    init(context: ActionContext, settings: ServiceSettings, fieldInput: @escaping @Sendable (String) -> String? = { _ in nil })
        throws(ComponentError)
    {
        guard let connection = context.connection, let key = connection.secret("apiKey"), !key.isEmpty else {
            throw ComponentError(
                .connection, code: "missing_connection",
                message: "SendGrid needs an API key: pass the apiKey connection, or set SENDGRID_API_KEY.")
        }
        let region = connection.string("region") ?? "global"
        guard let baseURL = Self.regions[region] else {
            throw ComponentError(
                .connection, code: "invalid_connection",
                message: "The apiKey connection's Data Residency is '\(region)'; use global or eu.")
        }
        client = ServiceClient(
            name: "SendGrid", baseURL: baseURL, settings: settings, auth: .bearer(key), headers: [.accept: "application/json"],
            context: context,
            mapError: { error, generic in SendGridErrors.map(error, generic, fieldInput: fieldInput) })
    }
}

/// SendGrid's error bodies as classified errors.
enum SendGridErrors {
    /// One entry of SendGrid's `{"errors": [{"message", "field", "help"}]}`.
    struct Problem: Sendable, Equatable {
        var message: String
        var field: String?
        var help: String?
    }

    /// The problems of an error body; empty when it has none.
    static func problems(_ body: JSONValue?) -> [Problem] {
        (body?["errors"]?.arrayValue ?? []).compactMap { entry in
            guard let message = entry["message"]?.stringValue else { return nil }
            let field = entry["field"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let help = entry["help"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            return Problem(message: message, field: field, help: help)
        }
    }

    /// `generic` (the runtime's classification of `error`) with SendGrid's words, the input at
    /// fault, and the kind a caller acts on.
    static func map(_ error: HTTPError, _ generic: ComponentError, fieldInput: (String) -> String?) -> ComponentError {
        guard error.kind == .upstream, let status = error.status?.code else { return generic }
        var mapped = generic
        let problems = problems(error.bodyJSON)
        let said = problems.map { problem in
            problem.field.map { "\(trimmed(problem.message)) (field \($0))" } ?? trimmed(problem.message)
        }.joined(separator: "; ")
        let input = problems.compactMap { $0.field.flatMap(fieldInput) }.first
        let answer = "SendGrid answered \(status)" + (said.isEmpty ? "" : ": \(said)")
        mapped.moreInfo = problems.lazy.compactMap(\.help).first { $0.hasPrefix("http") }
        // A 403 naming a field (a From address that is not a verified sender) is about the email,
        // not the key.
        let refusedKey = status == 401 || (status == 403 && input == nil)
        switch status {
        case _ where refusedKey:
            mapped.kind = .connection
            mapped.message =
                "\(answer). Check the API key of the apiKey connection: it must be a current key (SG....) with the Mail Send permission (Settings -> API Keys in the SendGrid app)."
        case 403 where input == "from":
            mapped.message =
                "\(answer). SendGrid sends only from a verified Single Sender or an authenticated domain: verify the From address in the SendGrid app (Settings -> Sender Authentication)."
        case 413:
            mapped.code = "payload_too_large"
            mapped.message = "\(answer). The email is too large for SendGrid (at most 30 MB with its attachments); make it smaller."
        case 429:
            mapped.message =
                "\(answer). SendGrid's rate limit was reached after \(error.attempts) attempt\(error.attempts == 1 ? "" : "s"); nothing was sent, so try again after the wait it asked for."
        default:
            mapped.message = answer + "."
            if error.maybeSent {
                mapped.message +=
                    " The email may have been accepted before the error: check SendGrid's Activity Feed before sending it again."
            }
        }
        mapped.input = input
        return mapped
    }

    private static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == "." || last == " " { text = text.dropLast() }
        return String(text)
    }
}
