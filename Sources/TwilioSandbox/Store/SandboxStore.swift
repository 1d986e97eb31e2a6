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

/// Every message of the sandbox, in memory, optionally mirrored to a file after each change.
final class SandboxStore: Sendable {
    private struct State {
        var messages: [StoredMessage] = []
        var indexBySid: [String: Int] = [:]
        var nextSequence = 1
        var deleted: Set<String> = []
    }

    private struct FileContents: Codable {
        var version: Int
        var messages: [StoredMessage]
    }

    private let state = Mutex(State())
    private let stateFile: String?
    private let writeLock = Mutex(())

    /// A store, loading `stateFile` when it exists.
    /// - Throws: ``SandboxStateError`` when the file exists but cannot be read or decoded.
    init(stateFile: String?) throws {
        self.stateFile = stateFile
        guard let stateFile, FileManager.default.fileExists(atPath: stateFile) else { return }
        guard let data = FileManager.default.contents(atPath: stateFile) else {
            throw SandboxStateError(path: stateFile, reason: "it cannot be read (check its permissions)")
        }
        let contents: FileContents
        do {
            contents = try JSONDecoder().decode(FileContents.self, from: data)
        } catch {
            throw SandboxStateError(path: stateFile, reason: "it is not a sandbox state file (\(error))")
        }
        guard contents.version == 1 else {
            throw SandboxStateError(path: stateFile, reason: "it has version \(contents.version), and this sandbox reads version 1")
        }
        state.withLock { state in
            for message in contents.messages.sorted(by: { $0.sequence < $1.sequence }) {
                state.indexBySid[message.sid] = state.messages.count
                state.messages.append(message)
                state.nextSequence = max(state.nextSequence, message.sequence + 1)
            }
        }
    }

    /// Adds a message, giving it the next sequence number.
    func insert(_ make: (Int) -> StoredMessage) -> StoredMessage {
        let message = state.withLock { state -> StoredMessage in
            let message = make(state.nextSequence)
            state.nextSequence += 1
            state.indexBySid[message.sid] = state.messages.count
            state.messages.append(message)
            return message
        }
        persist()
        return message
    }

    /// The message `sid` of `account`.
    func message(account: String, sid: String) -> StoredMessage? {
        state.withLock { state in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return nil }
            return state.messages[index]
        }
    }

    /// Changes the message `sid` of `account` with `change`, which may refuse with an error.
    func update(account: String, sid: String, _ change: (inout StoredMessage) throws(TwilioAPIError) -> Void) throws(TwilioAPIError)
        -> StoredMessage?
    {
        let result = state.withLock { state -> Result<StoredMessage?, TwilioAPIError> in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return .success(nil) }
            var message = state.messages[index]
            do throws(TwilioAPIError) {
                try change(&message)
            } catch {
                return .failure(error)
            }
            state.messages[index] = message
            return .success(message)
        }
        let message = try result.get()
        if message != nil { persist() }
        return message
    }

    /// Removes the message `sid` of `account`; whether it existed.
    func delete(account: String, sid: String) -> Bool {
        let removed = state.withLock { state -> Bool in
            guard let index = state.indexBySid[sid], state.messages[index].accountSid == account else { return false }
            state.messages.remove(at: index)
            state.indexBySid = Dictionary(uniqueKeysWithValues: state.messages.enumerated().map { ($1.sid, $0) })
            state.deleted.insert(sid)
            return true
        }
        if removed { persist() }
        return removed
    }

    /// The messages of `account` (or of every account), most recent first.
    func messages(account: String?) -> [StoredMessage] {
        let all = state.withLock { state in
            account.map { account in state.messages.filter { $0.accountSid == account } } ?? state.messages
        }
        return all.reversed()
    }

    /// Forgets every message.
    func reset() {
        let sids = state.withLock { state -> [String] in
            let sids = state.messages.map(\.sid)
            state = State()
            return sids
        }
        state.withLock { $0.deleted.formUnion(sids) }
        persist()
    }

    /// Writes the state file (atomically: a temporary file renamed over it). Another process may
    /// share the file (two run-action commands at once), so under an exclusive lock the file is read
    /// again and the messages it gained meanwhile are merged in rather than overwritten.
    private func persist() {
        guard let stateFile else { return }
        writeLock.withLock { _ in
            let directory = (stateFile as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            let lock = open(stateFile + ".lock", O_CREAT | O_RDWR, 0o644)
            if lock >= 0 { flock(lock, LOCK_EX) }
            defer {
                if lock >= 0 {
                    flock(lock, LOCK_UN)
                    close(lock)
                }
            }
            let onDisk = FileManager.default.contents(atPath: stateFile).flatMap { try? JSONDecoder().decode(FileContents.self, from: $0) }
            let messages = state.withLock { state -> [StoredMessage] in
                for message in onDisk?.messages ?? [] where state.indexBySid[message.sid] == nil && !state.deleted.contains(message.sid) {
                    state.indexBySid[message.sid] = state.messages.count
                    state.messages.append(message)
                }
                state.messages.sort { ($0.createdAt, $0.sequence) < ($1.createdAt, $1.sequence) }
                state.indexBySid = Dictionary(uniqueKeysWithValues: state.messages.enumerated().map { ($1.sid, $0) })
                state.nextSequence = (state.messages.map(\.sequence).max() ?? 0) + 1
                return state.messages
            }
            guard let data = try? JSONEncoder().encode(FileContents(version: 1, messages: messages)) else { return }
            try? data.write(to: URL(fileURLWithPath: stateFile), options: .atomic)
        }
    }
}
