import ComponentCore
import FoundationEssentials
import HTTPTypes
public import Logging

/// One attempt of a request through the system libcurl.
///
/// Transfers run on one event-loop thread shared by the process (see `CurlEventLoop`), so the
/// calling task never blocks a cooperative thread, connections are reused across requests, and
/// cancelling the task aborts the transfer at once.
public struct CurlTransport: HTTPTransport {
    /// The `User-Agent` sent when the request sets none.
    public var userAgent: String
    /// Where transfers run and connections are kept.
    public var pool: HTTPConnectionPool

    /// A transport; `userAgent` defaults to `component-runtime` and libcurl's version, `pool` to
    /// the process-wide one.
    public init(userAgent: String? = nil, pool: HTTPConnectionPool = .shared) {
        self.userAgent = userAgent ?? "component-runtime " + Libcurl.product
        self.pool = pool
    }

    /// Runs one attempt on the event loop within `limits`; cancelling the task aborts it.
    public func perform(_ request: PreparedRequest, limits: AttemptLimits) async -> AttemptResult {
        var attempt = request.attempt
        attempt.connectTimeout = limits.connectTimeout
        attempt.totalTimeout = limits.totalTimeout
        attempt.deadline = limits.deadline
        return await perform(attempt)
    }

    /// A request's parts every attempt shares, ready for libcurl.
    public struct PreparedRequest: Sendable {
        let attempt: CurlAttempt
    }

    public func prepare(_ request: HTTPClientRequest) -> PreparedRequest {
        PreparedRequest(attempt: attempt(for: request))
    }

    /// Runs one attempt on the event loop; cancelling the task aborts it.
    private func perform(_ attempt: CurlAttempt) async -> AttemptResult {
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
    private func attempt(for request: HTTPClientRequest) -> CurlAttempt {
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
        var attempt = CurlAttempt(
            method: request.method, repeatable: request.isRepeatable, url: url, headerLines: lines, body: body, auth: request.auth,
            connectTimeout: request.effectiveTimeouts.connect, totalTimeout: request.effectiveTimeouts.perAttempt,
            maximumResponseBytes: request.maximumResponseBytes, trust: pool.settings.trust, proxy: pool.settings.proxy.proxy(for: url))
        // A redirect would carry a credential header or a secret query to wherever it points.
        attempt.followsRedirects = request.secretHeaderFields.isEmpty && request.secretQueryParameters.isEmpty
        return attempt
    }
}
