import ComponentCore
import Foundation
import HTTPTypes
public import Logging

/// The HTTP client on the system libcurl.
///
/// Transfers run on one event-loop thread shared by the process (see `CurlEventLoop`), so the
/// calling task never blocks a cooperative thread, connections are reused across requests, and
/// cancelling the task aborts the transfer at once.
public struct CurlHTTPClient: HTTPClient {
    /// The `User-Agent` sent when the request sets none.
    public var userAgent: String
    /// Where transfers run and connections are kept.
    public var pool: HTTPConnectionPool

    /// A client; `userAgent` defaults to `component-runtime` and libcurl's version, `pool` to the
    /// process-wide one.
    public init(userAgent: String? = nil, pool: HTTPConnectionPool = .shared) {
        self.userAgent = userAgent ?? "component-runtime " + Libcurl.product
        self.pool = pool
    }

    public func send(_ request: HTTPClientRequest, logger: Logger?) async throws(HTTPError) -> HTTPClientResponse {
        // Everything but the waiting lives in the exchange, so that this frame, kept by the task
        // for as long as the request is in flight, holds one reference (see CurlExchange).
        let exchange = CurlExchange(request: request, attempt: prepare(request), logger: logger)
        while true {
            let result = await perform(try exchange.nextAttempt())
            switch try exchange.conclude(result) {
            case .respond(let response):
                return response
            case .retry(let delay) where delay > .zero:
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw exchange.cancelledWhileWaiting()
                }
            case .retry:
                continue
            }
        }
    }

    /// Runs one attempt on the event loop; cancelling the task aborts it.
    private func perform(_ attempt: CurlAttempt) async -> CurlAttemptResult {
        let loop = pool.loop
        let id = loop.makeID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.submit(id: id, attempt, continuation: continuation)
            }
        } onCancel: {
            loop.cancel(id: id)
        }
    }

    /// The parts of a request every attempt shares: the URL with its query, header lines, the body bytes.
    private func prepare(_ request: HTTPClientRequest) -> CurlAttempt {
        var fields = request.headerFields
        var body: Data?
        var contentType: String?
        switch request.body {
        case .none: body = nil
        case .bytes(let data, let type):
            body = data
            contentType = type
        case .form(let form):
            body = Data(FormEncoding.formBytes(form))
            contentType = "application/x-www-form-urlencoded"
        case .json(let value):
            body = Data(JSONWriter.string(from: value).utf8)
            contentType = "application/json"
        case .multipart(let parts):
            let encoded = MultipartEncoder.encode(parts)
            body = encoded.body
            fields[.contentType] = encoded.contentType  // the boundary must match the body
        }
        if let contentType, !fields.contains(.contentType) { fields.append(HTTPField(name: .contentType, value: contentType)) }
        if !fields.contains(.userAgent) { fields.append(HTTPField(name: .userAgent, value: userAgent)) }
        if request.auth != nil { fields[.authorization] = nil }  // the credentials given win
        let lines = fields.map { field in
            // A header with an empty value is written "Name;" so libcurl sends it instead of removing it.
            field.value.isEmpty ? "\(field.name.rawName);" : "\(field.name.rawName): \(field.value)"
        }
        let url = request.fullURL
        return CurlAttempt(
            method: request.method, url: url, headerLines: lines, body: body, auth: request.auth,
            connectTimeout: request.timeouts.connect, totalTimeout: request.timeouts.perAttempt,
            maximumResponseBytes: request.maximumResponseBytes, trust: pool.settings.trust, proxy: pool.settings.proxy.proxy(for: url))
    }

    /// The request's header names and values, with every credential-bearing value redacted.
    static func redactedHeaders(_ request: HTTPClientRequest) -> String {
        var parts = request.headerFields.map { field -> String in
            let lower = field.name.canonicalName
            let sensitive =
                lower == "authorization" || lower == "proxy-authorization" || lower == "cookie"
                || lower.contains("token") || lower.contains("secret") || lower.contains("api-key") || lower.contains("signature")
            return "\(field.name.rawName): \(sensitive ? Secret.redacted : field.value)"
        }
        if request.auth != nil { parts.append("Authorization: Basic \(Secret.redacted)") }
        return parts.joined(separator: "; ")
    }

}
