import ComponentCore
import ComponentRuntime
import FoundationEssentials
import Logging

/// `pollRecordings` ("New Recordings"): on each scheduled run, the recordings made since the
/// cursor in the state, oldest first, once each is ready; the new cursor goes back out in the state.
///
/// As with `pollMessages`, Twilio's `date_created` has whole seconds and the list is filtered
/// with `DateCreated>` (on or after), so the cursor is a second plus the SIDs already returned at
/// or after it. A recording is returned once it is final (not `in-progress`, `paused`, `stopped`
/// or `processing`); the cursor never moves past a recording still being made, so that one is
/// returned by a later poll, once ready, and the ones after it that were returned meanwhile are
/// remembered in the cursor rather than returned again.
struct PollRecordings: TriggerHandler {
    struct Input: Decodable, Sendable {
        var callSid: String?
    }

    let settings: ServiceSettings
    /// The time of a first run, which starts from "now".
    let now: @Sendable () -> Date

    init(settings: ServiceSettings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.now = now
    }

    /// Statuses of a recording not finished yet, its media not ready (Twilio's
    /// `recording_enum_status`: a stopped recording is processed next): not returned, and the
    /// cursor waits for them.
    static let unfinished: Set<String> = ["in-progress", "paused", "stopped", "processing"]

    func handle(_ input: Input, event: TriggerEvent, context: ActionContext) async throws -> TriggerResult {
        let api = try TwilioAPI(context: context, settings: settings)
        let stored = try PollingCursor(state: event.state, trigger: "pollRecordings", items: "recording")
        let isFirstRun = stored == nil
        let previous = stored ?? PollingCursor(since: Int(now().timeIntervalSince1970.rounded(.down)))
        var filters = [("DateCreated>", PollingCursor.timestamp(previous.since))]
        if let callSid = input.callSid?.trimmingSpaces(), !callSid.isEmpty {
            filters.append(("CallSid", callSid))
        }
        let listed = try await api.recordings(filters: filters)
        let (fresh, next) = previous.advance(over: listed, dateField: "date_created", report: !isFirstRun) { recording in
            !Self.unfinished.contains(recording["status"]?.stringValue ?? "")
        }

        var payload = event.payload.objectValue ?? [:]
        payload["body"] = ["data": ["recordings": .array(fresh.map(RecordingOutput.map)), "count": .integer(fresh.count)]]
        context.logger.debug("Polled \(listed.count) recordings since \(PollingCursor.timestamp(previous.since)); \(fresh.count) new.")
        return TriggerResult(payload: .object(payload), state: next.state)
    }
}
