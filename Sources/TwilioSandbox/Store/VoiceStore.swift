import Foundation
import Synchronization

/// Every call and recording of the sandbox, in memory, optionally mirrored after each change to a
/// file beside the messages' state file (`<state file>.voice.json`). A call that was still running
/// when its process stopped is read back as `failed`: nothing runs its TwiML any more.
final class VoiceStore: Sendable {
    private struct State {
        var calls: [StoredCall] = []
        var recordings: [StoredRecording] = []
        var nextSequence = 1
        /// How many resets the store has seen.
        var generation = 0
    }

    private struct FileContents: Codable {
        var version: Int
        var calls: [StoredCall]
        var recordings: [StoredRecording]
    }

    /// The store's ``generation`` when the task running a call started (see ``VoiceServices/run(_:)``):
    /// what such a task inserts after a reset is dropped, so it cannot leave phantom items.
    @TaskLocal static var runGeneration: Int?

    private let state = Mutex(State())
    private let file: String?
    private let writeLock = Mutex(())
    private let closed = Mutex(false)

    /// A store in memory only.
    init() {
        file = nil
    }

    /// A store, loading the file beside `stateFile` when it exists.
    /// - Throws: ``SandboxStateError`` when that file exists but cannot be read or decoded.
    init(stateFile: String?) throws {
        file = stateFile.map { $0 + StateFiles.voiceSuffix }
        guard let file, FileManager.default.fileExists(atPath: file) else { return }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SandboxStateError(path: file, reason: "it cannot be read (check its permissions)")
        }
        let contents: FileContents
        do {
            contents = try JSONDecoder().decode(FileContents.self, from: data)
        } catch {
            throw SandboxStateError(path: file, reason: "it is not a sandbox voice state file (\(error))")
        }
        guard contents.version == 1 else {
            throw SandboxStateError(path: file, reason: "it has version \(contents.version), and this sandbox reads version 1")
        }
        state.withLock { state in
            state.calls = contents.calls.sorted { $0.sequence < $1.sequence }.map { call in
                guard !call.isFinished else { return call }
                var ended = call
                ended.status = "failed"
                ended.endTime = ended.endTime ?? ended.updatedAt
                return ended
            }
            state.recordings = contents.recordings.sorted { $0.sequence < $1.sequence }
            state.nextSequence = (state.calls.map(\.sequence) + state.recordings.map(\.sequence)).max().map { $0 + 1 } ?? 1
        }
    }

    /// How many resets the store has seen.
    var generation: Int { state.withLock { $0.generation } }

    /// Whether the running task (if any) started before the last reset.
    private static func isStale(_ state: State) -> Bool {
        runGeneration.map { $0 != state.generation } ?? false
    }

    // MARK: Calls

    /// Adds a call, giving it the next sequence number (returned but not stored when a task that
    /// outlived a reset makes it).
    func insertCall(_ make: (Int) -> StoredCall) -> StoredCall {
        let (call, stored) = state.withLock { state -> (StoredCall, Bool) in
            let call = make(state.nextSequence)
            guard !Self.isStale(state) else { return (call, false) }
            state.nextSequence += 1
            state.calls.append(call)
            return (call, true)
        }
        if stored { persist() }
        return call
    }

    /// The call `sid` (of `account`, when given).
    func call(_ sid: String, account: String? = nil) -> StoredCall? {
        state.withLock { state in
            state.calls.first { $0.sid == sid && (account == nil || $0.accountSid == account) }
        }
    }

    /// Changes the call `sid` with `change`, which may refuse with an error; `nil` when there is no such call.
    @discardableResult
    func updateCall(_ sid: String, account: String? = nil, _ change: (inout StoredCall) throws(TwilioAPIError) -> Void)
        throws(TwilioAPIError) -> StoredCall?
    {
        let result = state.withLock { state -> Result<StoredCall?, TwilioAPIError> in
            guard let index = state.calls.firstIndex(where: { $0.sid == sid && (account == nil || $0.accountSid == account) }) else {
                return .success(nil)
            }
            var call = state.calls[index]
            do throws(TwilioAPIError) {
                try change(&call)
            } catch {
                return .failure(error)
            }
            state.calls[index] = call
            return .success(call)
        }
        let call = try result.get()
        if call != nil { persist() }
        return call
    }

    /// Changes the call `sid` with `change`, which cannot refuse.
    @discardableResult
    func modifyCall(_ sid: String, _ change: (inout StoredCall) -> Void) -> StoredCall? {
        try? updateCall(sid) { (call: inout StoredCall) throws(TwilioAPIError) in change(&call) }
    }

    /// Removes the call `sid` of `account`; whether it existed.
    func deleteCall(_ sid: String, account: String) -> Bool {
        let removed = state.withLock { state -> Bool in
            guard let index = state.calls.firstIndex(where: { $0.sid == sid && $0.accountSid == account }) else { return false }
            state.calls.remove(at: index)
            return true
        }
        if removed { persist() }
        return removed
    }

    /// The calls of `account` (or of every account), most recent first.
    func calls(account: String?) -> [StoredCall] {
        state.withLock { state in state.calls.filter { account == nil || $0.accountSid == account } }.reversed()
    }

    // MARK: Recordings

    /// Adds a recording, giving it the next sequence number (returned but not stored when a task
    /// that outlived a reset makes it).
    func insertRecording(_ make: (Int) -> StoredRecording) -> StoredRecording {
        let (recording, stored) = state.withLock { state -> (StoredRecording, Bool) in
            let recording = make(state.nextSequence)
            guard !Self.isStale(state) else { return (recording, false) }
            state.nextSequence += 1
            state.recordings.append(recording)
            return (recording, true)
        }
        if stored { persist() }
        return recording
    }

    func recording(_ sid: String, account: String) -> StoredRecording? {
        state.withLock { state in state.recordings.first { $0.sid == sid && $0.accountSid == account } }
    }

    /// Removes the recording `sid` of `account`; whether it existed.
    func deleteRecording(_ sid: String, account: String) -> Bool {
        let removed = state.withLock { state -> Bool in
            guard let index = state.recordings.firstIndex(where: { $0.sid == sid && $0.accountSid == account }) else { return false }
            state.recordings.remove(at: index)
            return true
        }
        if removed { persist() }
        return removed
    }

    /// The recordings of `account`, most recent first.
    func recordings(account: String) -> [StoredRecording] {
        state.withLock { state in state.recordings.filter { $0.accountSid == account } }.reversed()
    }

    /// Forgets every call and recording.
    func reset() {
        state.withLock { $0 = State(generation: $0.generation + 1) }
        persist()
    }

    /// Stops writing the file: the sandbox has stopped.
    func close() { closed.withLock { $0 = true } }

    /// Writes the file atomically (a temporary file renamed over it).
    private func persist() {
        guard let file, !closed.withLock({ $0 }) else { return }
        writeLock.withLock { _ in
            let contents = state.withLock { FileContents(version: 1, calls: $0.calls, recordings: $0.recordings) }
            let directory = (file as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            guard let data = try? JSONEncoder().encode(contents) else { return }
            try? data.write(to: URL(fileURLWithPath: file), options: .atomic)
        }
    }
}
