import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials

/// `listRecordings`: the account's recordings (or one call's), most recent first, page by page.
struct ListRecordings: ActionHandler {
    struct Input: Decodable, Sendable {
        var callSid: String?
        var dateCreatedAfter: Date?
        var dateCreatedBefore: Date?
        var pageSize: Int
        var limit: Int
        var cursor: String?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> StreamedList {
        let api = try TwilioAPI(context: context, settings: settings)
        let listing = PagedListing(api: api, listPath: api.accountPath + "/Recordings.json", key: "recordings", map: RecordingOutput.map)
        var filters: [(String, String)] = []
        if let call = input.callSid { filters.append(("CallSid", call)) }
        if let date = input.dateCreatedBefore { filters.append(("DateCreated<", ListCalls.twilioTime(date))) }
        if let date = input.dateCreatedAfter { filters.append(("DateCreated>", ListCalls.twilioTime(date))) }
        let first = try listing.firstPage(
            filters: filters, pageSize: input.pageSize, cursor: input.cursor, owner: "action 'listRecordings'")
        return listing.stream(from: first, pageSize: input.pageSize, limit: input.limit, progress: context.progress)
    }
}
