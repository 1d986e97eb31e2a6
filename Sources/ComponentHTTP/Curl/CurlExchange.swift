import ComponentCore
import Foundation
import HTTPTypes
import Logging

/// One request's way through its attempts: what each attempt sends, and after each one whether
/// to answer, fail or try again, by the request's ``RetryPolicy`` and deadline.
///
/// A class, used by one task only, so that ``CurlHTTPClient/send(_:logger:)`` keeps a single
/// reference across its suspensions: a task keeps its frames for as long as its request is in
/// flight, and with a thousand requests waiting on the network, what each frame holds is what
/// the process holds.
final class CurlExchange {
    enum Next {
        /// An accepted response: the request is done.
        case respond(HTTPClientResponse)
        /// Another attempt, after this wait.
        case retry(after: Duration)
    }

    private let request: HTTPClientRequest
    /// What every attempt sends; each copy gets timeouts that fit the deadline.
    private let attempt: CurlAttempt
    /// The URL without credentials, for messages and the log.
    private let displayURL: String
    private let logger: Logger?
    private let clock = ContinuousClock()
    private let deadline: ContinuousClock.Instant?
    private var attempts = 0
    private var mayHaveBeenSent = false
    private var attemptStarted: ContinuousClock.Instant

    init(request: HTTPClientRequest, attempt: CurlAttempt, logger: Logger?) {
        self.request = request
        self.attempt = attempt
        self.logger = logger
        displayURL = HTTPError.strippingCredentials(attempt.url)
        let now = ContinuousClock.now
        attemptStarted = now
        deadline = request.timeouts.overall.map { now + $0 }
    }

    private var maybeSent: Bool { mayHaveBeenSent && !request.method.isIdempotent }

    /// The next attempt to perform, its timeouts cut to what the overall deadline leaves.
    /// - Throws: a `timeout` error when the deadline has passed.
    func nextAttempt() throws(HTTPError) -> CurlAttempt {
        attempts += 1
        var next = attempt
        if let deadline {
            let remaining = deadline - clock.now
            guard remaining > .zero else {
                throw HTTPError(
                    kind: .timeout, method: request.method, url: displayURL, attempts: attempts - 1,
                    message: "the overall deadline of \(request.timeouts.overall!) passed", maybeSent: maybeSent)
            }
            next.totalTimeout = min(next.totalTimeout, remaining)
            next.connectTimeout = min(next.connectTimeout, remaining)
        }
        attemptStarted = clock.now
        return next
    }

    /// What to do after an attempt ended with `result`.
    /// - Throws: the request's error when it is not to be tried again.
    func conclude(_ result: CurlAttemptResult) throws(HTTPError) -> Next {
        let elapsed = clock.now - attemptStarted
        let policy = request.retry
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
            result, elapsed: elapsed,
            decision: canRetry && giveUpReason == nil ? "retrying in \(format(delay)) (\(reason))" : giveUpReason ?? reason)

        if let response = result.response, request.acceptedStatuses.contains(response.status.code) {
            return .respond(
                HTTPClientResponse(
                    status: response.status, headerFields: response.headerFields, body: response.body, url: response.url,
                    attempts: attempts))
        }
        guard canRetry, giveUpReason == nil else { throw error(for: result, note: giveUpReason) }
        return .retry(after: delay)
    }

    /// The error for a task cancelled while it waited to try again.
    func cancelledWhileWaiting() -> HTTPError {
        HTTPError(
            kind: .cancelled, method: request.method, url: displayURL, attempts: attempts,
            message: "the request was cancelled while waiting to retry", maybeSent: maybeSent)
    }

    private func error(for result: CurlAttemptResult, note: String?) -> HTTPError {
        let suffix = note.map { "; \($0)" } ?? ""
        if let response = result.response {
            return HTTPError(
                kind: .upstream, method: request.method, url: displayURL, status: response.status, headerFields: response.headerFields,
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
            kind: kind, method: request.method, url: displayURL, attempts: attempts, curlCode: failure.curlCode,
            message: failure.message + suffix, maybeSent: maybeSent, tlsFailure: failure.tls, isPermanent: failure.isPermanent)
    }

    /// One debug line per attempt: method, URL, outcome, time, and what happens next.
    private func log(_ result: CurlAttemptResult, elapsed: Duration, decision: String) {
        guard let logger, logger.logLevel <= .debug else { return }
        let outcome = result.response.map { "\($0.status.code)" } ?? "failed: \(result.failure!.message)"
        logger.debug(
            "HTTP \(request.method) \(displayURL) → \(outcome) in \(format(elapsed)) (attempt \(attempts) of \(request.retry.maxRetries + 1)); \(decision)",
            metadata: ["headers": .string(CurlHTTPClient.redactedHeaders(request))])
    }

    private func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}

@available(*, unavailable)
extension CurlExchange: Sendable {}
