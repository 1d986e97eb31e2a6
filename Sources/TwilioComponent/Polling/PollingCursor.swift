import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials

/// Where a polling trigger resumes: a whole second (Unix time) and the SIDs already returned from
/// it. In the state as `{"since": "2026-11-29T10:00:00Z", "seenAtSince": ["SM…", …]}`.
struct PollingCursor: Equatable {
    var since: Int
    var seen: [String] = []

    init(since: Int, seen: [String] = []) {
        self.since = since
        self.seen = seen
    }

    /// The cursor in the state `trigger` returned, of `items` SIDs ("message", "recording");
    /// `nil` when there is none (a first run).
    init?(state: JSONValue?, trigger: String, items: String) throws(ComponentError) {
        func invalid(_ reason: String) -> ComponentError { Self.invalid(reason, trigger: trigger) }
        guard let state, state != .null else { return nil }
        guard case .object(let object) = state else { throw invalid("it is \(state.kindDescription), not an object") }
        if object.isEmpty { return nil }
        guard let text = object["since"]?.stringValue, let date = ISO8601Timestamp.date(from: text) else {
            throw invalid("its 'since' is not a timestamp such as 2026-11-29T10:00:00Z")
        }
        var seen: [String] = []
        switch object["seenAtSince"] {
        case nil, .null?: break
        case .array(let list)?:
            for item in list {
                guard let sid = item.stringValue else { throw invalid("its 'seenAtSince' holds something other than \(items) SIDs") }
                seen.append(sid)
            }
        default: throw invalid("its 'seenAtSince' is not a list of \(items) SIDs")
        }
        self.init(since: Int(date.timeIntervalSince1970.rounded(.down)), seen: seen)
    }

    /// The items of `listed` (Twilio's list, most recent first) new since this cursor, oldest
    /// first, and the cursor after them. An item is dated by its `dateField` (whole seconds; one
    /// without a date or a SID is left for a later poll); it is new when dated at or after `since`
    /// and not among `seen`. The cursor moves to the newest second listed, or stops at the first
    /// item not `isFinished` (not returned: a later poll returns it once finished), and remembers
    /// the SIDs returned at or after it. `report` false (a first run) only places the cursor.
    func advance(
        over listed: [JSONValue], dateField: String, report: Bool, isFinished: (JSONValue) -> Bool = { _ in true }
    ) -> (fresh: [JSONValue], next: PollingCursor) {
        // Oldest first; Twilio lists most recent first, so among equal seconds its order is reversed.
        var dated: [(second: Int, position: Int, sid: String, item: JSONValue)] = []
        for (position, item) in listed.enumerated() {
            guard let text = item[dateField]?.stringValue, let date = HTTPDate.parse(text), let sid = item["sid"]?.stringValue
            else { continue }
            let second = Int(date.timeIntervalSince1970.rounded(.down))
            if second >= since { dated.append((second, -position, sid, item)) }
        }
        dated.sort { ($0.second, $0.position) < ($1.second, $1.position) }

        let waiting = dated.first { !isFinished($0.item) }?.second
        let nextSince = waiting ?? max(since, dated.last?.second ?? since)
        let previouslySeen = Set(seen)
        var fresh: [JSONValue] = []
        var kept: Set<String> = nextSince == since ? previouslySeen : []
        for entry in dated where isFinished(entry.item) {
            if report, !previouslySeen.contains(entry.sid) { fresh.append(entry.item) }
            if entry.second >= nextSince { kept.insert(entry.sid) }
        }
        return (fresh, PollingCursor(since: nextSince, seen: kept.sorted()))
    }

    var state: JSONValue {
        ["since": .string(Self.timestamp(since)), "seenAtSince": .array(seen.map(JSONValue.string))]
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form Twilio's `DateSent` filters take.
    static func timestamp(_ second: Int) -> String {
        ISO8601Timestamp.string(from: Date(timeIntervalSince1970: Double(second))).replacing(".000Z", with: "Z")
    }

    static func invalid(_ reason: String, trigger: String) -> ComponentError {
        ComponentError(
            .input, code: "invalid_state",
            message:
                "The polling state is not one '\(trigger)' returned: \(reason). Pass back the state of the previous run unchanged, or none to start from now."
        )
    }
}
