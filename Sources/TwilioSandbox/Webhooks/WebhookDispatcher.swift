import AsyncHTTPClient
import ComponentCore
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
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
    var status: HTTPResponse.Status?
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
        object["status"] = status.map { .integer($0.code) } ?? .null
        object["responseBody"] = responseBody.map(JSONValue.string) ?? .null
        object["error"] = error.map(JSONValue.string) ?? .null
        return .object(object)
    }
}

/// Sends the sandbox's signed webhooks (status callbacks and inbound messages) with its own HTTP
/// client, retrying a failed delivery once, as Twilio does.
final class WebhookDispatcher: Sendable {
    /// Also what calls fetch their TwiML through (``TwiMLFetcher``).
    let clients: WebhookHTTPClients
    private let authToken: String
    private let deliveries = Mutex<[WebhookDelivery]>([])
    private let logger: Logger

    /// A receiver's answer is kept for `/__sandbox/webhooks`; TwiML is far smaller than this.
    static let maximumResponseBytes = 1 << 20

    init(settings: WebhookClientSettings, authToken: String, logger: Logger) {
        self.clients = WebhookHTTPClients(settings: settings)
        self.authToken = authToken
        self.logger = logger
    }

    /// Every delivery made so far, in order.
    var all: [WebhookDelivery] { deliveries.withLock { $0 } }

    func reset() { deliveries.withLock { $0.removeAll() } }

    /// Closes the client's connections, when the sandbox stops.
    func shutdown() async { await clients.shutdown() }

    /// POSTs `parameters` to `url`, signed; a failed attempt (no answer, or not 2xx) is retried
    /// once after 200 ms with the same token.
    @discardableResult
    func deliver(kind: String, url: String, messageSid: String, parameters: [(String, String)]) async -> WebhookDelivery {
        let token = "\(messageSid)-\(UUID().uuidString.lowercased())"
        let signature = WebhookSigner.signature(url: url, parameters: parameters, authToken: authToken)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "X-Twilio-Signature", value: signature)
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: token)
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1")
        request.headers.add(name: "Accept", value: "*/*")
        // Credentials in the URL are sent as Basic authentication, as Twilio does.
        if let components = URLComponents(string: url), let user = components.user {
            request.setBasicAuth(username: user, password: components.password ?? "")
        }
        request.body = .bytes(ByteBuffer(string: URLEncodedForm.encode(parameters)))
        var delivery = WebhookDelivery(
            kind: kind, url: url, messageSid: messageSid, parameters: parameters, idempotencyToken: token, signature: signature,
            attempts: 0)
        switch clients.route(for: url) {
        case .unusable(let reason):
            delivery.error = reason
        case .client(let client):
            for attempt in 1...2 {
                if attempt > 1 { try? await Task.sleep(for: .milliseconds(200)) }
                delivery.attempts = attempt
                switch await send(request, on: client) {
                case .answered(let status, let body):
                    delivery.status = status
                    delivery.responseBody = body
                    delivery.error = status.kind == .successful ? nil : "the receiver answered \(status.code) (\(status.reasonPhrase))"
                case .failed(let message):
                    delivery.status = nil
                    delivery.responseBody = nil
                    delivery.error = message
                }
                if delivery.error == nil { break }
            }
        }
        if let error = delivery.error { logger.info("Webhook to \(url) failed", metadata: ["error": .string(error)]) }
        deliveries.withLock { $0.append(delivery) }
        return delivery
    }

    private enum Attempt: Sendable {
        case answered(HTTPResponse.Status, String)
        case failed(String)
    }

    private struct AttemptTimedOut: Error {}

    /// One POST, bounded as a whole by ``WebhookHTTPClients/attemptSeconds``: AsyncHTTPClient's own
    /// deadline ends with the answer's head, before its body.
    private func send(_ request: HTTPClientRequest, on client: HTTPClient) async -> Attempt {
        do {
            return try await withThrowingTaskGroup(of: Attempt.self) { group in
                group.addTask {
                    let response = try await client.execute(request, timeout: .seconds(WebhookHTTPClients.attemptSeconds))
                    let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
                    // The standard reason phrase: HTTP/2 carries none.
                    let code = Int(response.status.code)
                    let status = HTTPResponse.Status(code: code, reasonPhrase: HTTPResponseStatus(statusCode: code).reasonPhrase)
                    return .answered(status, String(buffer: body))
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(WebhookHTTPClients.attemptSeconds))
                    throw AttemptTimedOut()
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            return .failed(describe(error))
        }
    }

    /// What went wrong, and what to check.
    private func describe(_ error: any Error) -> String {
        let clientError = error as? HTTPClientError
        if error is AttemptTimedOut || clientError == .deadlineExceeded || clientError == .readTimeout {
            return "no complete answer within \(WebhookHTTPClients.attemptSeconds) seconds: check that the receiver answers promptly."
        }
        if clientError == .connectTimeout {
            return "could not connect within \(WebhookHTTPClients.connectSeconds) seconds: check that the receiver is listening."
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return "TLS with the receiver failed (\(error)); the sandbox trusts \(clients.settings.trustSummary): "
                + "name the CA of the receiver's certificate with SSL_CERT_FILE or SSL_CERT_DIR."
        }
        if clientError == .remoteConnectionClosed {
            return "the receiver closed the connection without answering: check that it speaks HTTP at that address."
        }
        if error is IOError || error is ChannelError {
            return "the connection to the receiver failed (\(error)): check that it is listening at that address."
        }
        return "the request failed: \(error)."
    }
}
