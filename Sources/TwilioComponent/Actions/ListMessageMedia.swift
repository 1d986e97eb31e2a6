import ComponentCore
import ComponentHTTP
import ComponentRuntime

/// `listMessageMedia`: the media files (images, PDFs, ...) of one message, page by page, as
/// `{"media": [...], "hasMore", "cursor"}`.
struct ListMessageMedia: ActionHandler {
    struct Input: Decodable, Sendable {
        var messageSid: String
        var pageSize: Int
        var limit: Int
        var cursor: String?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> StreamedList {
        let api = try TwilioAPI(context: context, settings: settings)
        let listing = PagedListing(
            api: api, listPath: api.accountPath + "/Messages/\(input.messageSid)/Media.json", key: "media_list", map: MediaOutput.map)
        let first = try listing.firstPage(filters: [], pageSize: input.pageSize, cursor: input.cursor, owner: "action 'listMessageMedia'")
        var list = listing.stream(from: first, pageSize: input.pageSize, limit: input.limit, progress: context.progress)
        // Twilio's page calls its items media_list; the output calls them media.
        list.key = "media"
        return list
    }
}
