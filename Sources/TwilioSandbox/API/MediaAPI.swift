import ComponentCore

/// Twilio's Media subresource of a message, for one authenticated account: list, fetch, the
/// content itself, and delete. A message's media are its `MediaUrl`s; they go with it.
struct MediaAPI {
    let core: SandboxCore
    let account: String

    /// Newest first (all of a message's media share its date, so in `MediaUrl` order), filtered by
    /// `DateCreated` (`<`, `>`), in Twilio's paging envelope under `media_list`.
    func list(messageSid: String, query: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        guard let message = core.store.message(account: account, sid: messageSid) else { return .failure(.notFound(path)) }
        var filters: [(String, String)] = []
        for name in ["DateCreated", "DateCreated<", "DateCreated>"] {
            if let filter = query.first(where: { $0.0 == name })?.1 { filters.append((name, filter)) }
        }
        var ranges: [ClosedRange<Double>] = []
        for (name, text) in filters {
            guard let range = MessagesAPI.dateRange(text, operator: String(name.dropFirst(11))) else {
                return .failure(.invalidParameter("\(name) must be a date such as 2025-05-14 or 2025-05-14T22:42:25Z, but is \(text)."))
            }
            ranges.append(range)
        }
        let matching = ranges.allSatisfy { $0.contains(message.createdAt) } ? message.media : []
        // Sequences fall as the list goes on, as ListPage's tokens need: the first URL is the highest.
        let count = message.mediaURLs.count
        return ListPage.envelope(
            key: "media_list", sequences: matching.map { count - $0.index },
            items: { range in
                matching[range].map { $0.json(accountSid: account, messageSid: message.sid, createdAt: message.createdAt) }
            },
            query: query, filters: filters, path: path)
    }

    func fetch(messageSid: String, sid: String, path: String) -> Result<JSONValue, TwilioAPIError> {
        find(messageSid: messageSid, sid: sid, path: path).map { message, media in
            media.json(accountSid: account, messageSid: message.sid, createdAt: message.createdAt)
        }
    }

    /// The media's bytes and content type.
    func content(messageSid: String, sid: String, path: String) -> Result<(contentType: String, bytes: [UInt8]), TwilioAPIError> {
        find(messageSid: messageSid, sid: sid, path: path).map { _, media in
            (media.contentType, MediaContent.bytes(contentType: media.contentType, url: media.url))
        }
    }

    /// Removes one media item; the message's `num_media` counts the rest.
    func delete(messageSid: String, sid: String, path: String) -> Result<Void, TwilioAPIError> {
        do {
            let updated = try core.store.update(account: account, sid: messageSid) {
                (message: inout StoredMessage) throws(TwilioAPIError) in
                let media = message.media
                guard media.contains(where: { $0.sid == sid }) else { throw .notFound(path) }
                message.remainingMedia = media.filter { $0.sid != sid }
            }
            return updated == nil ? .failure(.notFound(path)) : .success(())
        } catch {
            return .failure(error)
        }
    }

    private func find(messageSid: String, sid: String, path: String) -> Result<(StoredMessage, StoredMedia), TwilioAPIError> {
        guard let message = core.store.message(account: account, sid: messageSid),
            let media = message.media.first(where: { $0.sid == sid })
        else { return .failure(.notFound(path)) }
        return .success((message, media))
    }
}
