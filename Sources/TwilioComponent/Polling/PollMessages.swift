import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
import Logging

/// `pollMessages` ("New Messages"): on each scheduled run, the messages sent since the cursor in
/// the state, oldest first; the new cursor goes back out in the state.
///
/// Twilio's `date_sent` has whole seconds, and the list is filtered with `DateSent>=` (inclusive),
/// so the cursor is a second plus the SIDs already returned from that second. A message is new
/// when it was sent after that second, or in it without having been returned. The cursor only
/// moves to a `date_sent` Twilio has reported, never past the poll's own time, so a message still
/// queued at one poll (no `date_sent` yet) gets a `date_sent` at or after the cursor and is
/// returned by the next one.
struct PollMessages: TriggerHandler {
    struct Input: Decodable, Sendable {
        var to: String?
        var from: String?
        var defaultCountryCode: String
    }

    let settings: ServiceSettings
    /// The time of a first run, which starts from "now".
    let now: @Sendable () -> Date

    init(settings: ServiceSettings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.now = now
    }

    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult {
        let api = try TwilioAPI(context: context, settings: settings)
        let stored = try PollingCursor(state: event.state)
        let isFirstRun = stored == nil
        let previous = stored ?? PollingCursor(since: Int(now().timeIntervalSince1970.rounded(.down)))
        let filters = try ListMessages.addressFilters(
            to: input.to, from: input.from, defaultCountryCode: input.defaultCountryCode, owner: "trigger 'pollMessages'")
        let listed = try await api.messages(filters: filters + [("DateSent>", PollingCursor.timestamp(previous.since))])

        // Oldest first; Twilio lists most recent first, so among equal seconds its order is reversed.
        var dated: [(second: Int, position: Int, message: JSONValue)] = []
        for (position, message) in listed.enumerated() {
            guard let text = message["date_sent"]?.stringValue, let date = HTTPDate.parse(text) else { continue }
            dated.append((Int(date.timeIntervalSince1970.rounded(.down)), -position, message))
        }
        dated.sort { ($0.second, $0.position) < ($1.second, $1.position) }

        let seen = Set(previous.seen)
        var fresh: [JSONValue] = []
        var next = previous
        for entry in dated where entry.second >= previous.since {
            let sid = entry.message["sid"]?.stringValue ?? ""
            if entry.second > next.since {
                next = PollingCursor(since: entry.second)
            }
            if entry.second == next.since { next.seen.append(sid) }
            if !isFirstRun, entry.second > previous.since || !seen.contains(sid) { fresh.append(MessageOutput.map(entry.message)) }
        }
        next.seen = Array(Set(next.seen)).sorted()

        var payload = event.payload.objectValue ?? [:]
        payload["body"] = ["data": ["messages": .array(fresh), "count": .integer(fresh.count)]]
        context.logger.debug("Polled \(listed.count) messages since \(PollingCursor.timestamp(previous.since)); \(fresh.count) new.")
        return TriggerResult(payload: .object(payload), state: next.state)
    }
}

/// Where polling resumes: a whole second (Unix time) and the SIDs already returned from it.
/// In the state as `{"since": "2026-11-29T10:00:00Z", "seenAtSince": ["SM…", …]}`.
struct PollingCursor: Equatable {
    var since: Int
    var seen: [String] = []

    init(since: Int, seen: [String] = []) {
        self.since = since
        self.seen = seen
    }

    /// The cursor in a state; `nil` when there is none (a first run).
    init?(state: JSONValue?) throws(ComponentError) {
        guard let state, state != .null else { return nil }
        guard case .object(let object) = state else { throw Self.invalid("it is \(state.kindDescription), not an object") }
        if object.isEmpty { return nil }
        guard let text = object["since"]?.stringValue, let date = ISO8601Timestamp.date(from: text) else {
            throw Self.invalid("its 'since' is not a timestamp such as 2026-11-29T10:00:00Z")
        }
        var seen: [String] = []
        switch object["seenAtSince"] {
        case nil, .null?: break
        case .array(let list)?:
            for item in list {
                guard let sid = item.stringValue else { throw Self.invalid("its 'seenAtSince' holds something other than message SIDs") }
                seen.append(sid)
            }
        default: throw Self.invalid("its 'seenAtSince' is not a list of message SIDs")
        }
        self.init(since: Int(date.timeIntervalSince1970.rounded(.down)), seen: seen)
    }

    var state: JSONValue {
        ["since": .string(Self.timestamp(since)), "seenAtSince": .array(seen.map(JSONValue.string))]
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form Twilio's `DateSent` filters take.
    static func timestamp(_ second: Int) -> String {
        ISO8601Timestamp.string(from: Date(timeIntervalSince1970: Double(second))).replacingOccurrences(of: ".000Z", with: "Z")
    }

    static func invalid(_ reason: String) -> ComponentError {
        ComponentError(
            .input, code: "invalid_state",
            message:
                "The polling state is not one 'pollMessages' returned: \(reason). Pass back the state of the previous run unchanged, or none to start from now."
        )
    }
}
