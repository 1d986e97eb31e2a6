import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

extension TwilioAPI {
    /// The items of one of the account's lists (`Messages`, `Recordings`) matching `filters`, as
    /// Twilio gives them (raw JSON, most recent first), following `next_page_uri` until the list
    /// ends or `limit` items are in hand. `key` names the items in a page (`messages`).
    func everyPage(
        of list: String, key: String, filters: [(String, String)], pageSize: Int = 1000, limit: Int? = nil
    ) async throws(ComponentError) -> [JSONValue] {
        let size = limit.map { min(pageSize, max(1, $0)) } ?? pageSize
        var next: String? = accountPath + "/\(list).json?" + FormEncoding.encodeQuery(filters + [("PageSize", "\(size)")])
        var items: [JSONValue] = []
        while let path = next {
            let page = try await json(HTTPClientRequest(method: .get, url: path))
            items += page[key]?.arrayValue ?? []
            next = page["next_page_uri"]?.stringValue
            if let limit, items.count >= limit { return Array(items.prefix(limit)) }
        }
        return items
    }

    /// Messages matching `filters`, at most `limit` of them (``everyPage(of:key:filters:pageSize:limit:)``).
    func messages(filters: [(String, String)], pageSize: Int = 1000, limit: Int? = nil) async throws(ComponentError) -> [JSONValue] {
        try await everyPage(of: "Messages", key: "messages", filters: filters, pageSize: pageSize, limit: limit)
    }

    /// Every recording matching `filters` (``everyPage(of:key:filters:pageSize:limit:)``).
    func recordings(filters: [(String, String)]) async throws(ComponentError) -> [JSONValue] {
        try await everyPage(of: "Recordings", key: "recordings", filters: filters)
    }
}
