import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials

/// `listCalls`: calls, most recent first, page by page, streamed as listMessages streams messages.
struct ListCalls: ActionHandler {
    struct Input: Decodable, Sendable {
        var to: String?
        var from: String?
        var status: String?
        var startTimeAfter: Date?
        var startTimeBefore: Date?
        var parentCallSid: String?
        var pageSize: Int
        var limit: Int
        var cursor: String?
        var defaultCountryCode: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> StreamedList {
        let api = try TwilioAPI(context: context, settings: settings)
        let listing = PagedListing(api: api, listPath: api.accountPath + "/Calls.json", key: "calls", map: CallOutput.map)
        let first = try listing.firstPage(
            filters: input.cursor == nil ? try Self.filters(input) : [], pageSize: input.pageSize, cursor: input.cursor,
            owner: "action 'listCalls'")
        return listing.stream(from: first, pageSize: input.pageSize, limit: input.limit, progress: context.progress)
    }

    /// The filter parameters, in Twilio's order, with addresses normalised as makeCall sends them.
    static func filters(_ input: Input) throws(ComponentError) -> [(String, String)] {
        var filters = try ListMessages.addressFilters(
            to: input.to, from: input.from, defaultCountryCode: input.defaultCountryCode, owner: "action 'listCalls'",
            forms: CallInputChecks.addressForms)
        if let parent = input.parentCallSid { filters.append(("ParentCallSid", parent)) }
        if let status = input.status { filters.append(("Status", status)) }
        if let date = input.startTimeBefore { filters.append(("StartTime<", Self.twilioTime(date))) }
        if let date = input.startTimeAfter { filters.append(("StartTime>", Self.twilioTime(date))) }
        return filters
    }

    /// A time as Twilio's list filters take it: `2025-05-14T22:42:25Z`.
    static func twilioTime(_ date: Date) -> String {
        String(ISO8601Timestamp.string(from: date).prefix(19)) + "Z"
    }
}
