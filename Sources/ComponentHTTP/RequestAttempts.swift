import ComponentCore
import FoundationEssentials
import HTTPTypes
import Logging

/// One request's way through its attempts: the limits of each attempt, and after each one whether
/// to answer, fail or try again, by the request's ``RetryPolicy`` and deadline.
///
/// A class, used by one task only, so that ``RetryingHTTPClient/send(_:logger:)`` keeps a single
/// reference across its suspensions: a task keeps its frames for as long as its request is in
/// flight, and with a thousand requests waiting on the network, what each frame holds is what
/// the process holds.
final class RequestAttempts<Transport: HTTPTransport> {
    enum Next {
        /// An accepted response: the request is done.
        case respond(HTTPClientResponse)
        /// Another attempt, after this wait.
        case retry(after: Duration)
    }

    private let request: HTTPClientRequest
    /// What every attempt sends, prepared once.
    let prepared: Transport.PreparedRequest
    /// The URL without credentials, for messages and the log.
    private let displayURL: String
    private let logger: Logger?
    private let clock = ContinuousClock()
    /// The end of ``HTTPTimeouts/overall``, on the monotonic clock.
    private let deadline: ContinuousClock.Instant?
    /// The caller's ``HTTPDeadline``, on the wall clock; the earlier of the two ends the request.
    private let wallDeadline: HTTPDeadline?
    /// Told of every response, when the caller asked for the servers' clock.
    private let serverClock: HTTPServerClock?
    private var attempts = 0
    private var mayHaveBeenSent = false
    /// Whether an attempt concluded so far may have done what the request asks
    /// (``RetryPolicy/mayHaveTakenEffect(_:)``).
    private var anyMayHaveTakenEffect = false
    /// The same for the attempts before the last one concluded: what its error reports as
    /// ``HTTPError/earlierAttemptMayHaveTakenEffect``.
    private var earlierMayHaveTakenEffect = false
    private var attemptStarted: ContinuousClock.Instant
    /// How the previous attempt ended: the request's error if the deadline stops the next one.
    private var lastResult: AttemptResult?

    init(request: HTTPClientRequest, prepared: Transport.PreparedRequest, logger: Logger?) {
        self.request = request
        self.prepared = prepared
        self.logger = logger
        displayURL = HTTPError.strippingCredentials(request.displayURL)
        let now = ContinuousClock.now
        attemptStarted = now
        deadline = request.effectiveTimeouts.overall.map { now + $0 }
        wallDeadline = HTTPDeadline.current
        serverClock = HTTPServerClock.current
    }

    private var maybeSent: Bool { mayHaveBeenSent && !request.isRepeatable }

    /// The limits of the next attempt: the request's timeouts, cut to what the overall deadline
    /// and the caller's ``HTTPDeadline`` leave.
    /// - Throws: a `timeout` error when the overall deadline has passed; when the caller's
    ///   deadline has, the last attempt's error, or `deadlineExceeded` if none was made.
    func nextAttempt() throws(HTTPError) -> AttemptLimits {
        var next = AttemptLimits(connectTimeout: request.effectiveTimeouts.connect, totalTimeout: request.effectiveTimeouts.perAttempt)
        if let deadline {
            let remaining = deadline - clock.now
            guard remaining > .zero else {
                var error = HTTPError(
                    kind: .timeout, method: request.method, url: displayURL, attempts: attempts,
                    message: "the overall deadline of \(request.effectiveTimeouts.overall!) passed", maybeSent: maybeSent)
                error.earlierAttemptMayHaveTakenEffect = anyMayHaveTakenEffect
                throw error
            }
            next.totalTimeout = min(next.totalTimeout, remaining)
            next.connectTimeout = min(next.connectTimeout, remaining)
        }
        if let wallDeadline {
            let remaining = wallDeadline.remaining()
            guard remaining > .zero else { throw deadlinePassed(wallDeadline) }
            next.totalTimeout = min(next.totalTimeout, remaining)
            next.connectTimeout = min(next.connectTimeout, remaining)
            // Checked again where the transport sends: this task may wait for it.
            next.deadline = wallDeadline
        }
        attempts += 1
        attemptStarted = clock.now
        return next
    }

    /// The error for a request whose ``HTTPDeadline`` came before its next attempt was sent: the
    /// previous attempt's, or `deadlineExceeded` when there was none.
    private func deadlinePassed(_ deadline: HTTPDeadline) -> HTTPError {
        if let lastResult {
            var error = error(for: lastResult, notes: ["the request's deadline (\(deadline)) passed before another attempt was sent"])
            error.endedAtDeadline = true
            return error
        }
        return HTTPError(
            kind: .deadlineExceeded, method: request.method, url: displayURL, attempts: attempts,
            message: "the request's deadline (\(deadline)) passed before it was sent", maybeSent: false)
    }

    /// Whether `deadline` is what ended an attempt that timed out just now: libcurl's timer, set
    /// to the time left, and the wall clock may disagree by a few milliseconds.
    private func deadlineReached(_ deadline: HTTPDeadline) -> Bool {
        deadline.remaining() <= .milliseconds(20)
    }

    /// What to do after an attempt ended with `result`.
    /// - Throws: the request's error when it is not to be tried again.
    func conclude(_ result: AttemptResult) throws(HTTPError) -> Next {
        let elapsed = clock.now - attemptStarted
        if let failure = result.failure, let wallDeadline {
            if failure.kind == .deadlineExceeded {
                // Refused by the transport before it sent anything: it was no attempt.
                attempts -= 1
                log(result, elapsed: elapsed, decision: "not started: the request's deadline passed")
                throw deadlinePassed(wallDeadline)
            }
            if failure.kind == .timeout, !failure.requestMayHaveBeenSent, deadlineReached(wallDeadline) {
                // Still waiting for a connection when its timeout, the deadline's, ran out.
                log(result, elapsed: elapsed, decision: "not sent: the request's deadline passed")
                throw deadlinePassed(wallDeadline)
            }
        }
        let policy = request.effectiveRetry
        let outcome: AttemptOutcome
        if let response = result.response {
            serverClock?.note(response.headerFields)
            outcome = .response(status: response.status, headerFields: response.headerFields)
            if response.status.code >= 500 { mayHaveBeenSent = true }
        } else {
            let failure = result.failure!
            outcome = .failure(failure)
            if failure.requestMayHaveBeenSent { mayHaveBeenSent = true }
        }
        earlierMayHaveTakenEffect = anyMayHaveTakenEffect
        if RetryPolicy.mayHaveTakenEffect(outcome) { anyMayHaveTakenEffect = true }
        var (retry, reason) = policy.shouldRetry(outcome, repeatable: request.isRepeatable, accepted: request.acceptedStatuses)
        let isFinalAnswer =
            result.response.map { response in
                !request.acceptedStatuses.contains(response.status.code) && request.isFinalAnswer?(response.status, response.body) == true
            } ?? false
        if retry, isFinalAnswer {
            (retry, reason) = (false, "status \(result.response?.status.code ?? 0) whose body says trying again cannot help")
        }
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
            giveUpReason = "the overall deadline of \(request.effectiveTimeouts.overall!) leaves no time for another attempt"
        }
        // A wait that would end at or after the caller's deadline ends the request now instead.
        var noTimeBeforeDeadline = false
        if canRetry, giveUpReason == nil, let wallDeadline, wallDeadline.remaining() <= delay {
            giveUpReason = "the request's deadline (\(wallDeadline)) leaves no time for another attempt"
            noTimeBeforeDeadline = true
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
        guard canRetry, giveUpReason == nil else {
            var notes: [String] = []
            let cutShort = result.failure?.kind == .timeout && wallDeadline.map(deadlineReached) == true
            if cutShort, let wallDeadline { notes.append("the attempt was cut short at the request's deadline (\(wallDeadline))") }
            if let giveUpReason { notes.append(giveUpReason) }
            var error = error(for: result, notes: notes)
            error.endedAtDeadline = cutShort || noTimeBeforeDeadline
            if isFinalAnswer { error.isPermanent = true }
            throw error
        }
        lastResult = result
        return .retry(after: delay)
    }

    /// The error for a task cancelled while it waited to try again.
    func cancelledWhileWaiting() -> HTTPError {
        var error = HTTPError(
            kind: .cancelled, method: request.method, url: displayURL, attempts: attempts,
            message: "the request was cancelled while waiting to retry", maybeSent: maybeSent)
        error.earlierAttemptMayHaveTakenEffect = anyMayHaveTakenEffect
        return error
    }

    /// The error for `result`, the last attempt concluded.
    private func error(for result: AttemptResult, notes: [String]) -> HTTPError {
        let suffix = notes.map { "; " + $0 }.joined()
        if let response = result.response {
            var error = HTTPError(
                kind: .upstream, method: request.method, url: displayURL, status: response.status, headerFields: response.headerFields,
                body: response.body, attempts: attempts,
                message: "the server answered \(response.status.code) (\(response.status.phrase))\(suffix)", maybeSent: maybeSent)
            error.earlierAttemptMayHaveTakenEffect = earlierMayHaveTakenEffect
            return error
        }
        let failure = result.failure!
        let kind: HTTPError.Kind
        switch failure.kind {
        case .network: kind = failure.isPermanent && [1, 3, 4].contains(failure.curlCode) ? .invalidRequest : .network
        case .timeout: kind = .timeout
        case .cancelled: kind = .cancelled
        case .deadlineExceeded: kind = .deadlineExceeded
        case .tls: kind = .tls
        }
        var error = HTTPError(
            kind: kind, method: request.method, url: displayURL, attempts: attempts, curlCode: failure.curlCode,
            message: failure.message + suffix, maybeSent: maybeSent, tlsFailure: failure.tls, isPermanent: failure.isPermanent)
        error.responseTooLarge = failure.responseTooLarge
        error.earlierAttemptMayHaveTakenEffect = earlierMayHaveTakenEffect
        return error
    }

    /// One debug line per attempt: method, URL, outcome, time, and what happens next.
    private func log(_ result: AttemptResult, elapsed: Duration, decision: String) {
        guard let logger, logger.logLevel <= .debug else { return }
        let outcome = result.response.map { "\($0.status.code)" } ?? "failed: \(result.failure!.message)"
        logger.debug(
            "HTTP \(request.method) \(displayURL) → \(outcome) in \(format(elapsed)) (attempt \(attempts) of \(request.effectiveRetry.maxRetries + 1)); \(decision)",
            metadata: ["headers": .string(request.redactedHeaders)])
    }

    private func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}

@available(*, unavailable)
extension RequestAttempts: Sendable {}
