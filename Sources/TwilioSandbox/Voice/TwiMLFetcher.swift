import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches TwiML (and posts the callbacks whose answers matter) as Twilio does: the call's
/// parameters as a form body (POST) or query (GET), signed with `X-Twilio-Signature`.
struct TwiMLFetcher: Sendable {
    /// What came back.
    enum Outcome: Sendable {
        case answered(status: Int, contentType: String?, body: String)
        /// No answer: the message says why.
        case failed(String)
    }

    let clients: WebhookHTTPClients
    let authToken: String

    /// Requests `url` with `method` (`GET` or `POST`) and `parameters`.
    func fetch(_ url: String, method: String, parameters: [(String, String)]) async -> Outcome {
        var target = url
        if method == "GET", !parameters.isEmpty {
            target += (url.contains("?") ? "&" : "?") + URLEncodedForm.encode(parameters)
        }
        let signed = method == "GET" ? [] : parameters
        var request = HTTPClientRequest(url: target)
        request.method = method == "GET" ? .GET : .POST
        request.headers.add(
            name: "X-Twilio-Signature", value: WebhookSigner.signature(url: target, parameters: signed, authToken: authToken))
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: UUID().uuidString.lowercased())
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1")
        request.headers.add(name: "Accept", value: "*/*")
        if let components = URLComponents(string: url), let user = components.user {
            request.setBasicAuth(username: user, password: components.password ?? "")
        }
        if method != "GET" {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: URLEncodedForm.encode(parameters)))
        }
        switch clients.route(for: target) {
        case .unusable(let reason): return .failed(reason)
        case .client(let client):
            do {
                let response = try await client.execute(request, timeout: .seconds(WebhookHTTPClients.attemptSeconds))
                let body = try await response.body.collect(upTo: WebhookDispatcher.maximumResponseBytes)
                return .answered(
                    status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: String(buffer: body)
                )
            } catch {
                return .failed("the request to \(url) failed: \(error)")
            }
        }
    }

    /// `reference` (absolute, or relative to `base`) as an absolute URL.
    static func resolve(_ reference: String, against base: String?) -> String {
        if let url = URL(string: reference), url.scheme != nil { return reference }
        guard let base, let baseURL = URL(string: base), let resolved = URL(string: reference, relativeTo: baseURL) else {
            return reference
        }
        return resolved.absoluteString
    }
}
