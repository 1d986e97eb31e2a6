import Synchronization

/// Everything the sandbox's voice side shares: calls and recordings, how callees behave, the
/// built-in application, what running calls did and what they are asked to do.
final class VoiceServices: Sendable {
    let store: VoiceStore
    let callees = CalleeBehaviours()
    let application = SandboxApplication()
    let journal = CallJournal()
    let controls = CallControls()
    private let base = Mutex("http://127.0.0.1")
    private let callbackSequences = Mutex<[String: Int]>([:])
    private let running = Mutex<(next: Int, tasks: [Int: Task<Void, Never>])>((0, [:]))
    /// When each running call was answered, on a clock `POST /__sandbox/clock` does not move.
    private let answerInstants = Mutex<[String: ContinuousClock.Instant]>([:])

    init(store: VoiceStore) {
        self.store = store
    }

    /// The sandbox's own address, for the absolute URLs Twilio writes (`media_url`, `RecordingUrl`).
    var baseURL: String { base.withLock { $0 } }

    func setBaseURL(_ url: String) { base.withLock { $0 = url } }

    /// The next `SequenceNumber` of call `sid`'s status callbacks, from 0.
    func nextCallbackSequence(call sid: String) -> Int {
        callbackSequences.withLock { sequences in
            defer { sequences[sid, default: 0] += 1 }
            return sequences[sid] ?? 0
        }
    }

    /// Runs `body` (a call, or callbacks it holds back) in the background, until it ends or the
    /// sandbox stops or resets. What it stores after a reset is dropped (``VoiceStore/runGeneration``).
    func run(_ body: @escaping @Sendable () async -> Void) {
        let generation = store.generation
        running.withLock { running in
            let key = running.next
            running.next += 1
            running.tasks[key] = Task.detached { [weak self] in
                await VoiceStore.$runGeneration.withValue(generation) { await body() }
                _ = self?.running.withLock { $0.tasks.removeValue(forKey: key) }
            }
        }
    }

    /// Waits until no call runs, or `limit` has passed.
    func callsFinished(within limit: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline, !running.withLock({ $0.tasks.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    // MARK: Call durations

    /// Notes that call `sid` was answered now.
    func markAnswered(call sid: String) {
        let now = ContinuousClock.now
        answerInstants.withLock { $0[sid] = now }
    }

    /// Whole seconds `call` has been in progress (at least 1), measured on the machine's monotonic
    /// clock so that moving the sandbox's clock cannot stretch it, and at most its `TimeLimit`.
    func duration(of call: StoredCall, now: Double) -> Int {
        let seconds: Double
        if let answered = answerInstants.withLock({ $0[call.sid] }) {
            let elapsed = ContinuousClock.now - answered
            seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        } else {
            seconds = call.startTime.map { now - $0 } ?? 0
        }
        return min(call.settings.timeLimit, max(1, Int(seconds.rounded(.up))))
    }

    /// Forgets when call `sid` was answered, once it has ended.
    func forgetAnswer(call sid: String) { _ = answerInstants.withLock { $0.removeValue(forKey: sid) } }

    // MARK: Stop, reset

    /// Cancels every running task and waits for them to end.
    private func stopRunning() async {
        let tasks = running.withLock { running in
            defer { running.tasks.removeAll() }
            return Array(running.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// When the sandbox stops: calls still running stop too, and what becomes of them is no longer
    /// written to the state file (they are read back as failed).
    func shutdown() async {
        store.close()
        await stopRunning()
    }

    /// Stops the calls still running (and the callbacks they hold back), then forgets every call,
    /// recording, configured callee and the application's URL.
    func reset() async {
        await stopRunning()
        store.reset()
        callees.reset()
        application.reset()
        journal.reset()
        controls.reset()
        callbackSequences.withLock { $0.removeAll() }
        answerInstants.withLock { $0.removeAll() }
    }
}
