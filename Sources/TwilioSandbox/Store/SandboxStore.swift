import Foundation
import Synchronization

/// A state file that cannot be used; reported, never silently replaced.
public struct SandboxStateError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String {
        "The sandbox state file \(path) cannot be used: \(reason). Move it away (or start with --reset-state) to begin with an empty sandbox."
    }
}

/// Every message of the sandbox and every account's incoming numbers, in memory, optionally
/// mirrored to a file that other processes may share (``SharedStateFile``): each change starts
/// from the file as it is under the lock and writes it back at once, and each read first takes in
/// what another process wrote since.
final class SandboxStore: Sendable {
    private struct State {
        var messages: [StoredMessage] = []
        var indexBySid: [String: Int] = [:]
        var nextSequence = 1
        /// By account; an account not here has its starting numbers (``StoredIncomingNumber/starting(account:)``).
        var numbers: [String: [StoredIncomingNumber]] = [:]
        /// The version of the file this state was read from or written as.
        var stamp: SharedStateFile.Stamp?

        init() {}

        init(_ contents: FileContents, stamp: SharedStateFile.Stamp?) {
            // In creation order, as they were added: a page token names a position in it.
            for message in contents.messages.sorted(by: { ($0.sequence, $0.createdAt) < ($1.sequence, $1.createdAt) }) {
                indexBySid[message.sid] = messages.count
                messages.append(message)
                nextSequence = max(nextSequence, message.sequence + 1)
            }
            numbers = Dictionary(grouping: contents.numbers ?? [], by: \.accountSid)
            self.stamp = stamp
        }

        var contents: FileContents {
            let numbers = numbers.values.joined().sorted { ($0.accountSid, $0.sequence) < ($1.accountSid, $1.sequence) }
            return FileContents(version: 1, messages: messages, numbers: numbers.isEmpty ? nil : numbers)
        }
    }

    private struct FileContents: Codable, VersionedState {
        var version: Int
        var messages: [StoredMessage]
        /// Absent in files written before numbers could be changed.
        var numbers: [StoredIncomingNumber]?
    }

    private let state = Mutex(State())
    private let file: SharedStateFile?
    /// Serialises this process's changes; the file lock serialises them with other processes'.
    private let writeLock = Mutex(())

    /// A store, loading `stateFile` when it exists.
    /// - Throws: ``SandboxStateError`` when the file exists but cannot be read or decoded.
    init(stateFile: String?) throws {
        file = stateFile.map(SharedStateFile.init(path:))
        guard let file, let loaded = try Self.load(file) else { return }
        state.withLock { $0 = loaded }
    }

    private static func load(_ file: SharedStateFile) throws(SandboxStateError) -> State? {
        guard let (contents, stamp) = try file.decoded(FileContents.self, what: "a sandbox state file") else { return nil }
        return State(contents, stamp: stamp)
    }

    /// Takes in the file when another process has written it since this one last read or wrote
    /// it. A file that has become unreadable is left alone: this process keeps what it has.
    private func refresh() {
        guard let file else { return }
        let seen = state.withLock { $0.stamp }
        let now = file.stamp()
        guard now != nil, now != seen, let loaded = try? Self.load(file) else { return }
        // Only over the version compared: a change this process wrote meanwhile (under the file
        // lock, without waiting for this read) is newer than what was loaded, and must stay.
        state.withLock { if $0.stamp == seen { $0 = loaded } }
    }

    /// Runs `body` on the state as the file holds it now, under the file's lock, and writes the
    /// file when `body` says it changed something.
    private func change<T>(_ body: (inout State) -> (T, changed: Bool)) -> T {
        guard let file else { return state.withLock { body(&$0).0 } }
        var result: T?
        writeLock.withLock { _ in
            file.withLock {
                refresh()
                let (outcome, contents) = state.withLock { state -> (T, FileContents?) in
                    let (outcome, changed) = body(&state)
                    return (outcome, changed ? state.contents : nil)
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
    private func read<T>(_ body: (State) -> T) -> T {
        refresh()
        return state.withLock { body($0) }
    }

    /// Adds a message, giving it the next sequence number.
    func insert(_ make: (Int) -> StoredMessage) -> StoredMessage {
        change { state in
            let message = make(state.nextSequence)
            state.nextSequence += 1
            state.indexBySid[message.sid] = state.messages.count
            state.messages.append(message)
            return (message, true)
        }
    }

    /// The message `sid` of `account`.
    func message(account: String, sid: String) -> StoredMessage? {
        read { state in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return nil }
            return state.messages[index]
        }
    }

    /// Changes the message `sid` of `account` with `change`, which may refuse with an error.
    func update(account: String, sid: String, _ change: (inout StoredMessage) throws(TwilioAPIError) -> Void) throws(TwilioAPIError)
        -> StoredMessage?
    {
        let result = self.change { state -> (Result<StoredMessage?, TwilioAPIError>, changed: Bool) in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return (.success(nil), false) }
            var message = state.messages[index]
            do throws(TwilioAPIError) {
                try change(&message)
            } catch {
                return (.failure(error), false)
            }
            state.messages[index] = message
            return (.success(message), true)
        }
        return try result.get()
    }

    /// Removes the message `sid` of `account`; whether it existed.
    func delete(account: String, sid: String) -> Bool {
        change { state in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return (false, false) }
            state.messages.remove(at: index)
            state.indexBySid = Dictionary(uniqueKeysWithValues: state.messages.enumerated().map { ($1.sid, $0) })
            return (true, true)
        }
    }

    /// The messages of `account` (or of every account), most recent first.
    func messages(account: String?) -> [StoredMessage] {
        let all = read { state in
            account.map { account in state.messages.filter { $0.accountSid == account } } ?? state.messages
        }
        return all.reversed()
    }

    // MARK: Incoming numbers

    /// The incoming numbers of `account`, highest sequence first.
    func numbers(account: String) -> [StoredIncomingNumber] {
        read { state in
            (state.numbers[account] ?? StoredIncomingNumber.starting(account: account)).sorted { $0.sequence > $1.sequence }
        }
    }

    /// Changes the number `sid` of `account` with `change`, which may refuse with an error; `nil`
    /// when the account has no such number.
    func updateNumber(
        account: String, sid: String, _ change: (inout StoredIncomingNumber) throws(TwilioAPIError) -> Void
    ) throws(TwilioAPIError) -> StoredIncomingNumber? {
        let result = self.change { state -> (Result<StoredIncomingNumber?, TwilioAPIError>, changed: Bool) in
            var numbers = state.numbers[account] ?? StoredIncomingNumber.starting(account: account)
            guard let index = numbers.firstIndex(where: { $0.sid == sid }) else { return (.success(nil), false) }
            do throws(TwilioAPIError) {
                try change(&numbers[index])
            } catch {
                return (.failure(error), false)
            }
            state.numbers[account] = numbers
            return (.success(numbers[index]), true)
        }
        return try result.get()
    }

    /// Forgets every message, and gives every account its starting numbers back, in the file too.
    func reset() {
        change { state in
            state = State()
            return ((), true)
        }
    }
}
