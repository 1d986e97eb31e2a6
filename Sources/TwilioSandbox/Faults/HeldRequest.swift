/// What the `hold` fault does with a request: waits the whole time, then processes it, whatever
/// became of its client. Twilio goes on with a request whose client gave up; a wait in the
/// request's own task would end early if the server cancelled that task when the client went.
enum HeldRequest {
    /// Runs `work` once `duration` has passed, in a task of its own that cancelling the caller
    /// does not reach, and returns its result (the caller waits for it even when cancelled).
    static func process<Result: Sendable>(after duration: Duration, _ work: @escaping @Sendable () -> Result) async -> Result {
        await Task {
            try? await Task.sleep(for: duration)  // never cancelled: this task is no one's child
            return work()
        }.value
    }
}
