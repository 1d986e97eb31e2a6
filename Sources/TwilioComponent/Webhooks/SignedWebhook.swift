import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// A Twilio webhook read from the engine's payload and, unless switched off, shown to come from
/// Twilio by its `X-Twilio-Signature`: the one path every Twilio webhook trigger (`webhook`,
/// `voiceWebhook`) takes, so that signatures are checked by one rule in one place.
struct SignedWebhook {
    /// How to check: the inputs every Twilio webhook trigger shares.
    struct Settings {
        var authToken: Secret?
        var publicUrl: String?
        var validateSignature: Bool
    }

    let request: WebhookRequest
    /// The form parameters, in order (empty for a JSON body).
    let parameters: [(String, String)]
    /// The body, when it is JSON.
    let json: JSONValue?
    /// The URL the signature was checked against; `nil` when the check is off.
    let matchedURL: String?
    let validated: Bool

    /// Reads `payload` and checks its signature; throws a ``TriggerRejection`` carrying the HTTP
    /// answer (400/413 for an unreadable request, 403 for a missing or wrong signature).
    init(payload: JSONValue, settings: Settings, context: ActionContext) throws {
        try self.init(request: Self.read(payload), settings: settings, context: context)
    }

    /// The request in the engine's `payload`; throws a ``TriggerRejection`` (400/413) when unreadable.
    static func read(_ payload: JSONValue) throws(TriggerRejection) -> WebhookRequest {
        do throws(WebhookRequest.Problem) {
            return try WebhookRequest(payload: payload)
        } catch {
            throw reject(error)
        }
    }

    /// Checks the signature of a request already read.
    init(request: WebhookRequest, settings: Settings, context: ActionContext) throws {
        self.request = request
        validated = settings.validateSignature

        // The body: form parameters, or JSON.
        var parameters: [(String, String)] = []
        var json: JSONValue?
        do throws(WebhookRequest.Problem) {
            if request.isJSON {
                guard let parsed = try? JSONParser.parse(request.body) else {
                    throw WebhookRequest.Problem(
                        status: 400, code: "invalid_body", message: "The webhook says its body is JSON, but it does not parse as JSON.")
                }
                json = parsed
            } else {
                parameters = try request.formParameters()
            }
        } catch {
            throw Self.reject(error)
        }
        self.parameters = parameters
        self.json = json

        guard settings.validateSignature else {
            matchedURL = nil
            return
        }
        let signatures = request.values(of: "X-Twilio-Signature")
        guard !signatures.isEmpty else {
            throw Self.reject(
                WebhookRequest.Problem(
                    status: 403, code: "missing_signature",
                    message: "The webhook has no X-Twilio-Signature header, so it cannot be shown to come from Twilio; it is refused."))
        }
        guard signatures.count == 1 else {
            throw Self.reject(
                WebhookRequest.Problem(
                    status: 403, code: "duplicate_signature",
                    message: "The webhook has \(signatures.count) X-Twilio-Signature values; Twilio sends one, so the request is refused."
                ))
        }
        // The token is looked for only now, so an unsigned request is refused as such first.
        let token = try Self.authToken(settings, context: context)
        let algorithm = Self.algorithm(request)
        let validator = TwilioSignatureValidator(authToken: token.reveal())
        let candidates: [String]
        do throws(WebhookRequest.Problem) {
            candidates = try request.candidateURLs(publicURL: settings.publicUrl)
        } catch {
            throw Self.reject(error)
        }
        let matched = candidates.first {
            validator.isValid(
                signature: signatures[0], url: $0, parameters: parameters, jsonBody: json == nil ? nil : request.body, algorithm: algorithm)
        }
        guard let matched else {
            throw Self.reject(
                WebhookRequest.Problem(
                    status: 403, code: "invalid_signature",
                    message:
                        "The webhook's X-Twilio-Signature does not match its body for \(candidates.joined(separator: " or ")) with this account's Auth Token; it is refused. Behind a proxy or tunnel, set Public URL to the exact address configured in Twilio."
                ))
        }
        matchedURL = matched
    }

    /// The body as an object: the JSON body, or the form (see ``bodyObject(_:)``).
    var data: JSONValue { json ?? Self.bodyObject(parameters) }

    /// `valid`, or `not checked` when the check is off: what the payload's `twilio.signature` says.
    var signatureSummary: JSONValue { validated ? "valid" : "not checked" }

    /// The Auth Token that signs the account's webhooks: the connection's, or the input's when the
    /// connection is an API key (whose secret cannot check Twilio's signatures).
    static func authToken(_ settings: Settings, context: ActionContext) throws -> Secret {
        if let token = settings.authToken, !token.isEmpty { return token }
        if let token = context.connection?.secret("authToken"), context.connection?.key == "authToken" { return token }
        throw TriggerRejection(
            ComponentError(
                .connection, code: "missing_auth_token",
                message:
                    "Checking Twilio's signature needs the account's Auth Token: use an Auth Token connection, or fill the trigger's Auth Token input (an API key's secret cannot check Twilio's signatures)."
            ),
            response: TriggerResponse(statusCode: 500, contentType: "text/plain", body: "Webhook validation is not configured."))
    }

    static func algorithm(_ request: WebhookRequest) -> TwilioSignatureValidator.Algorithm {
        guard let settings = WebhookRequest.header("X-Twilio-Webhooks-Signature-Settings", in: request.headers) else { return .sha1 }
        for part in settings.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
            if pair.count == 2, pair[0] == "algorithm", let algorithm = TwilioSignatureValidator.Algorithm(rawValue: pair[1]) {
                return algorithm
            }
        }
        return .sha1
    }

    /// The parameters as an object (a repeated name becomes a list), with `MediaUrl{N}` and
    /// `MediaContentType{N}` also collected into `MediaUrls` and `MediaContentTypes`.
    static func bodyObject(_ parameters: [(String, String)]) -> JSONValue {
        // Values are gathered per name first: appending to a list inside the object would copy it
        // each time, which a body of thousands of repeats would turn quadratic.
        var names: [String] = []
        var values: [String: [JSONValue]] = [:]
        for (name, value) in parameters {
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(.string(value))
        }
        var object = JSONObject()
        for name in names {
            let list = values[name]!
            object[name] = list.count == 1 ? list[0] : .array(list)
        }
        for (prefix, list) in [("MediaUrl", "MediaUrls"), ("MediaContentType", "MediaContentTypes")] {
            var items: [(Int, JSONValue)] = []
            for (name, value) in object where name.hasPrefix(prefix) {
                if let index = Int(name.dropFirst(prefix.count)) { items.append((index, value)) }
            }
            if !items.isEmpty { object[list] = .array(items.sorted { $0.0 < $1.0 }.map(\.1)) }
        }
        return .object(object)
    }

    static func reject(_ problem: WebhookRequest.Problem) -> TriggerRejection {
        TriggerRejection(
            ComponentError(.input, code: .string(problem.code), message: problem.message, status: problem.status),
            // The caller gets the status and a code, not the diagnosis, which is for the flow's owner.
            response: TriggerResponse(
                statusCode: problem.status, contentType: "text/plain",
                body: "\(HTTPResponse.Status(code: problem.status).phrase): \(problem.code)\n"
            ))
    }
}
