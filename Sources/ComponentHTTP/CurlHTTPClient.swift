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
        self.userAgent =
            userAgent ?? "component-runtime libcurl/\(Libcurl.version.split(separator: " ").first.map { String($0.dropFirst(8)) } ?? "")"
        self.pool = pool
    }

    public func send(_ request: HTTPClientRequest, logger: Logger?) async throws(HTTPError) -> HTTPClientResponse {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = request.timeouts.overall.map { started + $0 }
        let attemptTemplate = prepare(request)
        let displayURL = HTTPError.strippingCredentials(attemptTemplate.url)
        let policy = request.retry
        var attempts = 0
        var mayHaveBeenSent = false

        while true {
            attempts += 1
            var attempt = attemptTemplate
            if let deadline {
                let remaining = deadline - clock.now
                guard remaining > .zero else {
                    throw HTTPError(
                        kind: .timeout, method: request.method, url: displayURL, attempts: attempts - 1,
                        message: "the overall deadline of \(request.timeouts.overall!) passed",
                        maybeSent: mayHaveBeenSent && !request.method.isIdempotent)
                }
                attempt.totalTimeout = min(attempt.totalTimeout, remaining)
                attempt.connectTimeout = min(attempt.connectTimeout, remaining)
            }
            let attemptStarted = clock.now
            let result = await perform(attempt)
            let elapsed = clock.now - attemptStarted

            let outcome: AttemptOutcome
            if let response = result.response {
                outcome = .response(status: response.status, headerFields: response.headerFields)
                if response.status.code >= 500 { mayHaveBeenSent = true }
            } else {
                let failure = result.failure!
                outcome = .failure(failure)
                if failure.requestMayHaveBeenSent { mayHaveBeenSent = true }
            }
            let (retry, reason) = policy.shouldRetry(outcome, method: request.method, accepted: request.acceptedStatuses)
            let canRetry = retry && attempts <= policy.maxRetries && !Task.isCancelled

            var delay = Duration.zero
            if canRetry {
                delay = policy.delay(beforeRetry: attempts)
                if policy.honorsRetryAfter, case .response(_, let fields) = outcome, let value = fields[.retryAfter],
                    let asked = retryAfterDelay(value)
                {
                    delay = max(delay, min(asked, policy.retryAfterCap))
                }
            }
            var giveUpReason: String?
            if canRetry, let deadline, clock.now + delay >= deadline {
                giveUpReason = "the overall deadline of \(request.timeouts.overall!) leaves no time for another attempt"
            }

            log(
                logger, request: request, url: displayURL, attempt: attempts, result: result, elapsed: elapsed,
                decision: canRetry && giveUpReason == nil ? "retrying in \(format(delay)) (\(reason))" : giveUpReason ?? reason)

            if let response = result.response, request.acceptedStatuses.contains(response.status.code) {
                return HTTPClientResponse(
                    status: response.status, headerFields: response.headerFields, body: response.body, url: response.url,
                    attempts: attempts)
            }
            guard canRetry, giveUpReason == nil else {
                throw error(
                    for: result, request: request, url: displayURL, attempts: attempts, mayHaveBeenSent: mayHaveBeenSent, note: giveUpReason
                )
            }
            if delay > .zero {
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw HTTPError(
                        kind: .cancelled, method: request.method, url: displayURL, attempts: attempts,
                        message: "the request was cancelled while waiting to retry",
                        maybeSent: mayHaveBeenSent && !request.method.isIdempotent)
                }
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

    private func error(
        for result: CurlAttemptResult, request: HTTPClientRequest, url: String, attempts: Int, mayHaveBeenSent: Bool, note: String?
    ) -> HTTPError {
        let maybeSent = mayHaveBeenSent && !request.method.isIdempotent
        let suffix = note.map { "; \($0)" } ?? ""
        if let response = result.response {
            return HTTPError(
                kind: .upstream, method: request.method, url: url, status: response.status, headerFields: response.headerFields,
                body: response.body, attempts: attempts,
                message: "the server answered \(response.status.code) (\(response.status.phrase))\(suffix)", maybeSent: maybeSent)
        }
        let failure = result.failure!
        let kind: HTTPError.Kind
        switch failure.kind {
        case .network: kind = failure.isPermanent && [1, 3, 4].contains(failure.curlCode) ? .invalidRequest : .network
        case .timeout: kind = .timeout
        case .cancelled: kind = .cancelled
        case .tls: kind = .tls
        }
        return HTTPError(
            kind: kind, method: request.method, url: url, attempts: attempts, curlCode: failure.curlCode,
            message: failure.message + suffix, maybeSent: maybeSent, tlsFailure: failure.tls, isPermanent: failure.isPermanent)
    }

    private func log(
        _ logger: Logger?, request: HTTPClientRequest, url: String, attempt: Int, result: CurlAttemptResult, elapsed: Duration,
        decision: String
    ) {
        guard let logger, logger.logLevel <= .debug else { return }
        let outcome = result.response.map { "\($0.status.code)" } ?? "failed: \(result.failure!.message)"
        logger.debug(
            "HTTP \(request.method) \(url) → \(outcome) in \(format(elapsed)) (attempt \(attempt) of \(request.retry.maxRetries + 1)); \(decision)",
            metadata: ["headers": .string(Self.redactedHeaders(request))])
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

    private func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
