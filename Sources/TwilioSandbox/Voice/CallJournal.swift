import ComponentCore
import Synchronization

/// What each call did, for `/__sandbox/calls/{CA}`: the verbs it ran (and errors), and every
/// TwiML document it fetched. Kept in memory only.
final class CallJournal: Sendable {
    private struct Entry {
        var events: [JSONValue] = []
        var documents: [JSONValue] = []
    }

    private let entries = Mutex<[String: Entry]>([:])

    func record(_ event: JSONValue, call: String) {
        entries.withLock { $0[call, default: Entry()].events.append(event) }
    }

    func recordDocument(_ document: JSONValue, call: String) {
        entries.withLock { $0[call, default: Entry()].documents.append(document) }
    }

    func events(of call: String) -> [JSONValue] { entries.withLock { $0[call]?.events ?? [] } }

    func documents(of call: String) -> [JSONValue] { entries.withLock { $0[call]?.documents ?? [] } }

    func reset() { entries.withLock { $0.removeAll() } }
}
