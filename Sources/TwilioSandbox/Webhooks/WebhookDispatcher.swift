import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import Logging
import Synchronization

/// One webhook request the sandbox made, kept for inspection through `/__sandbox/webhooks`.
struct WebhookDelivery: Sendable {
    var kind: String
    var url: String
    var messageSid: String
    var parameters: [(String, String)]
    var idempotencyToken: String
    var signature: String
    var attempts: Int
    var status: Int?
    var responseBody: String?
    var error: String?

    var json: JSONValue {
        var object = JSONObject()
        object["kind"] = .string(kind)
        object["url"] = .string(url)
        object["messageSid"] = .string(messageSid)
        object["parameters"] = .object(JSONObject(parameters.map { ($0.0, JSONValue.string($0.1)) }))
        object["idempotencyToken"] = .string(idempotencyToken)
        object["attempts"] = .integer(attempts)
        object["status"] = status.map(JSONValue.integer) ?? .null
        object["responseBody"] = responseBody.map(JSONValue.string) ?? .null
        object["error"] = error.map(JSONValue.string) ?? .null
        return .object(object)
    }
}

/// Sends the sandbox's signed webhooks (status callbacks and inbound messages) through the
/// runtime's HTTP client, retrying a failed delivery once, as Twilio does.
final class WebhookDispatcher: Sendable {
    private let client: any HTTPClient
    private let authToken: String
    private let deliveries = Mutex<[WebhookDelivery]>([])
    private let logger: Logger

    init(client: any HTTPClient, authToken: String, logger: Logger) {
        self.client = client
        self.authToken = authToken
        self.logger = logger
    }

    /// Every delivery made so far, in order.
    var all: [WebhookDelivery] { deliveries.withLock { $0 } }

    func reset() { deliveries.withLock { $0.removeAll() } }

    /// POSTs `parameters` to `url`, signed; a failed attempt is retried once with the same token.
    @discardableResult
    func deliver(kind: String, url: String, messageSid: String, parameters: [(String, String)]) async -> WebhookDelivery {
        let token = "\(messageSid)-\(UUID().uuidString.lowercased())"
        let signature = WebhookSigner.signature(url: url, parameters: parameters, authToken: authToken)
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Twilio-Signature")!] = signature
        headers[HTTPField.Name("I-Twilio-Idempotency-Token")!] = token
        headers[.userAgent] = "TwilioProxy/1.1"
        headers[.accept] = "*/*"
        let request = HTTPClientRequest(
            method: .post, url: url, headerFields: headers, body: .form(parameters),
            timeouts: HTTPTimeouts(connect: .seconds(5), perAttempt: .seconds(15)),
            retry: RetryPolicy(maxRetries: 1, backoff: .fixed(.milliseconds(200)), retryAllErrors: true))
        var delivery = WebhookDelivery(
            kind: kind, url: url, messageSid: messageSid, parameters: parameters, idempotencyToken: token, signature: signature,
            attempts: 0)
        do {
            let response = try await client.send(request)
            delivery.attempts = response.attempts
            delivery.status = response.status.code
            delivery.responseBody = response.text
        } catch {
            delivery.attempts = error.attempts
            delivery.status = error.status?.code
            delivery.responseBody = error.body.map { String(decoding: $0, as: UTF8.self) }
            delivery.error = error.message
            logger.info("Webhook to \(url) failed", metadata: ["error": .string(error.message)])
        }
        deliveries.withLock { $0.append(delivery) }
        return delivery
    }
}
