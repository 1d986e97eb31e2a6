import Synchronization

/// Callbacks held back until a call's next document has been fetched (or the call ends): Twilio
/// posts a `<Record>`'s recording status callback once the recording is processed, after the
/// request to the verb's action, and receivers may rely on that order.
final class DeferredCallbacks: Sendable {
    private let pending = Mutex<[@Sendable () async -> Void]>([])

    func add(_ callback: @escaping @Sendable () async -> Void) {
        pending.withLock { $0.append(callback) }
    }

    /// Sends every held callback, in order, in the background: a task of `voice`'s, so that the
    /// sandbox stopping or resetting cancels and awaits it.
    func release(through voice: VoiceServices) {
        let callbacks = pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        guard !callbacks.isEmpty else { return }
        voice.run {
            for callback in callbacks { await callback() }
        }
    }
}
