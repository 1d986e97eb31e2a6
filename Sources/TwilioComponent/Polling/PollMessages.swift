import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
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
        let stored = try PollingCursor(state: event.state, trigger: "pollMessages", items: "message")
        let isFirstRun = stored == nil
        let previous = stored ?? PollingCursor(since: Int(now().timeIntervalSince1970.rounded(.down)))
        let filters = try ListMessages.addressFilters(
            to: input.to, from: input.from, defaultCountryCode: input.defaultCountryCode, owner: "trigger 'pollMessages'")
        let listed = try await api.messages(filters: filters + [("DateSent>", PollingCursor.timestamp(previous.since))])
        let (fresh, next) = previous.advance(over: listed, dateField: "date_sent", report: !isFirstRun)

        var payload = event.payload.objectValue ?? [:]
        payload["body"] = ["data": ["messages": .array(fresh.map(MessageOutput.map)), "count": .integer(fresh.count)]]
        context.logger.debug("Polled \(listed.count) messages since \(PollingCursor.timestamp(previous.since)); \(fresh.count) new.")
        return TriggerResult(payload: .object(payload), state: next.state)
    }
}
