import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes
import Synchronization

/// One of Twilio's lists (messages, calls, recordings), most recent first, page by page,
/// streamed: each page's items are handed on as they arrive, and `hasMore` and `cursor` follow
/// the list. The cursor is Twilio's `next_page_uri`, so a listing continues
/// exactly where it stopped.
struct PagedListing: Sendable {
    let api: TwilioAPI
    /// The list's path, such as `/2010-04-01/Accounts/AC…/Calls.json`.
    let listPath: String
    /// The key of the items in Twilio's page and in the output (`calls`).
    let key: String
    let map: @Sendable (JSONValue) -> JSONValue

    /// The first page's path: the cursor, when one is given (it must be one of this list's), else
    /// the list with `filters`.
    func firstPage(
        filters: [(String, String)], pageSize: Int, cursor: String?, owner: String
    ) throws(ComponentError) -> String {
        guard let cursor else { return listPath + "?" + FormEncoding.encodeQuery(filters + [("PageSize", "\(pageSize)")]) }
        guard cursor.hasPrefix(listPath + "?") else {
            throw ComponentError.invalidInput(
                "cursor", label: "Cursor",
                message: "Input 'cursor' (Cursor) is not a cursor this connection's listing returned; it must start with \(listPath)?.",
                owner: owner)
        }
        return cursor
    }

    /// The items from `first` on, at most `limit` of them (0: every page).
    func stream(from first: String, pageSize: Int, limit: Int, progress: (@Sendable (String) -> Void)?) -> StreamedList {
        let summary = Summary()
        let (api, key, map) = (api, key, map)
        let elements = AsyncThrowingStream<JSONValue, any Error> { continuation in
            let task = Task {
                var next: String? = first
                do {
                    var remaining = limit
                    var fetched = 0
                    var pages = 0
                    while let path = next {
                        // With a limit, the last page asks only for what is still wanted, so the cursor
                        // continues exactly after the last item returned.
                        let size = limit > 0 ? min(pageSize, remaining) : pageSize
                        let page = try await api.json(
                            HTTPClientRequest(method: .get, url: Self.replacingPageSize(in: path, with: size)))
                        let items = page[key]?.arrayValue ?? []
                        for item in items { continuation.yield(map(item)) }
                        fetched += items.count
                        pages += 1
                        next = page["next_page_uri"]?.stringValue
                        progress?("Listed \(fetched) \(key) (\(pages) page\(pages == 1 ? "" : "s"))…")
                        if limit > 0 {
                            remaining -= items.count
                            if remaining <= 0 { break }
                        }
                    }
                    summary.state.withLock { $0 = (next != nil, next) }
                    continuation.finish()
                } catch {
                    // The cursor points at the page that failed, so a retry continues without a gap.
                    summary.state.withLock { $0 = (true, next) }
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return StreamedList(key: key, elements: elements) {
            let (hasMore, cursor) = summary.state.withLock { $0 }
            return ["hasMore": .bool(hasMore), "cursor": cursor.map(JSONValue.string) ?? .null]
        }
    }

    /// `path` with its `PageSize` query parameter set to `size`.
    static func replacingPageSize(in path: String, with size: Int) -> String {
        guard let question = path.firstIndex(of: "?") else { return path + "?PageSize=\(size)" }
        let base = path[..<question]
        var parameters = path[path.index(after: question)...].split(separator: "&").map(String.init).filter { !$0.hasPrefix("PageSize=") }
        parameters.append("PageSize=\(size)")
        return base + "?" + parameters.joined(separator: "&")
    }

    /// Whether more items remain, and where to continue, once the listing has ended.
    final class Summary: Sendable {
        let state = Mutex<(hasMore: Bool, cursor: String?)>((false, nil))
    }
}
