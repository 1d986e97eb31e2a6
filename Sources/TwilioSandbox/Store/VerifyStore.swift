import Crypto
import Foundation
import Synchronization

/// Every Verify service and verification of the sandbox, in memory, optionally mirrored to a file
/// beside the messages' state file (`<state file>.verify.json`) that other processes may share
/// (``SharedStateFile``), so that a verification sent by one run-action run can be checked by the
/// next. Codes are sealed in the file under a key derived from a random key kept beside it
/// (``VerifyKeyFile``), never written in the clear.
final class VerifyStore: Sendable {
    /// What the store holds; changed only inside ``change(_:)``, so each API call is atomic.
    struct State: Sendable {
        var services: [StoredVerifyService] = []
        var verifications: [StoredVerification] = []
        var nextSequence = 1
        /// Verifications whose code this store cannot open (sealed under another key: the key file
        /// was replaced). Kept as they are, so that the process that can open them still finds them.
        fileprivate var sealedElsewhere: [StoredVerification] = []
        fileprivate var stamp: SharedStateFile.Stamp?

        /// The service `sid` of `account`, by index.
        func serviceIndex(account: String, sid: String) -> Int? {
            services.firstIndex { $0.sid == sid && $0.accountSid == account }
        }

        mutating func takeSequence() -> Int {
            defer { nextSequence += 1 }
            return nextSequence
        }
    }

    private struct FileContents: Codable, VersionedState {
        var version: Int
        var services: [StoredVerifyService]
        /// Each with its code sealed.
        var verifications: [StoredVerification]
    }

    private let state = Mutex(State())
    private let file: SharedStateFile?
    /// The bytes of the key codes are sealed with (`SymmetricKey` is not `Sendable`).
    private let sealingKeyBytes: Data?
    private var sealingKey: SymmetricKey? { sealingKeyBytes.map { SymmetricKey(data: $0) } }
    /// Serialises this process's changes; the file lock serialises them with other processes'.
    private let writeLock = Mutex(())

    /// A store in memory only.
    init() {
        file = nil
        sealingKeyBytes = nil
    }

    /// A store, loading the file beside `stateFile` when it exists, and making its key file when
    /// there is none.
    /// - Throws: ``SandboxStateError`` when that file or its key exists but cannot be read or decoded.
    init(stateFile: String?) throws {
        guard let stateFile else {
            file = nil
            sealingKeyBytes = nil
            return
        }
        let file = SharedStateFile(path: stateFile + StateFiles.verifySuffix)
        self.file = file
        let key = try file.withLock { () throws(SandboxStateError) -> SymmetricKey in
            try VerifyKeyFile.loadOrCreate(stateFile + StateFiles.verifyKeySuffix)
        }
        let sealingKey = VerificationCode.sealingKey(fileKey: key)
        sealingKeyBytes = sealingKey.withUnsafeBytes { Data($0) }
        if let loaded = try Self.load(file, key: sealingKey) { state.withLock { $0 = loaded } }
    }

    private static func load(_ file: SharedStateFile, key: SymmetricKey) throws(SandboxStateError) -> State? {
        guard let (contents, stamp) = try file.decoded(FileContents.self, what: "a sandbox Verify state file") else { return nil }
        var state = State()
        state.services = contents.services.sorted { $0.sequence < $1.sequence }
        for verification in contents.verifications.sorted(by: { $0.sequence < $1.sequence }) {
            if let code = VerificationCode.open(verification.code, key: key) {
                var opened = verification
                opened.code = code
                state.verifications.append(opened)
            } else {
                state.sealedElsewhere.append(verification)
            }
        }
        let sequences = state.services.map(\.sequence) + contents.verifications.map(\.sequence)
        state.nextSequence = sequences.max().map { $0 + 1 } ?? 1
        state.stamp = stamp
        return state
    }

    /// Takes in the file when another process has written it since this one last read or wrote
    /// it. A file that has become unreadable is left alone: this process keeps what it has.
    private func refresh() {
        guard let file, let sealingKey else { return }
        let seen = state.withLock { $0.stamp }
        let now = file.stamp()
        guard now != nil, now != seen, let loaded = try? Self.load(file, key: sealingKey) else { return }
        // Only over the version compared: a change this process wrote meanwhile is newer.
        state.withLock { if $0.stamp == seen { $0 = loaded } }
    }

    /// Runs `body` on the state as the file holds it now, under the file's lock, then writes the
    /// file when `body` changed it.
    func change<T>(_ body: (inout State) -> T) -> T {
        guard let file, let sealingKey else { return state.withLock { body(&$0) } }
        var result: T?
        writeLock.withLock { _ in
            file.withLock {
                refresh()
                let (outcome, contents) = state.withLock { state -> (T, FileContents?) in
                    let before = (state.services, state.verifications)
                    let outcome = body(&state)
                    guard before.0 != state.services || before.1 != state.verifications else { return (outcome, nil) }
                    let sealed = state.verifications.compactMap { verification -> StoredVerification? in
                        guard let code = VerificationCode.seal(verification.code, key: sealingKey) else { return nil }
                        var copy = verification
                        copy.code = code
                        return copy
                    }
                    let kept = state.sealedElsewhere.filter { verification in state.services.contains { $0.sid == verification.serviceSid }
                    }
                    state.sealedElsewhere = kept
                    return (
                        outcome,
                        FileContents(
                            version: 1, services: state.services, verifications: (sealed + kept).sorted { $0.sequence < $1.sequence })
                    )
                }
                result = outcome
                if let contents, let data = try? JSONEncoder().encode(contents), let stamp = file.write(data) {
                    state.withLock { $0.stamp = stamp }
                }
            }
        }
        return result!
    }

    /// Reads the state, after taking in what another process wrote.
    func read<T>(_ body: (State) -> T) -> T {
        refresh()
        return state.withLock { body($0) }
    }

    /// Forgets every service and verification, in the file too.
    func reset() {
        change { state in
            state.services = []
            state.verifications = []
            state.sealedElsewhere = []
        }
    }
}
