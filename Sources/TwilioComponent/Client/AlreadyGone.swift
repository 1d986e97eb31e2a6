import ComponentHTTP
import ComponentRuntime

/// The rule for a retried request that finds its work done: a DELETE that meets a 404, a hang-up
/// that meets an ended call. Such an answer means "already done" only when an earlier attempt of
/// this run may have done it (sent, then its answer lost or a 5xx that does not prove Twilio did
/// not act). After a 429 Twilio did nothing, so the answer stands: the SID may be wrong or in
/// another account.
enum AlreadyGone {
    /// Whether `error` answered an attempt after one that may have done what was asked
    /// (``HTTPError/earlierAttemptMayHaveTakenEffect``).
    static func earlierAttemptMayHaveDoneIt(_ error: ComponentError) -> Bool {
        (error.cause as? HTTPError)?.earlierAttemptMayHaveTakenEffect == true
    }

    /// Whether `error` is a 404 after an attempt that may have removed the resource: gone, as asked.
    static func isGone(_ error: ComponentError) -> Bool {
        error.status == 404 && earlierAttemptMayHaveDoneIt(error)
    }
}
