import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes

extension TwilioAPI {
    /// Messages matching `filters` (Twilio's raw JSON, in Twilio's order, most recent first),
    /// following `next_page_uri` until the list ends or `limit` messages are in hand.
    func messages(filters: [(String, String)], pageSize: Int = 1000, limit: Int? = nil) async throws(ComponentError) -> [JSONValue] {
        let size = limit.map { min(pageSize, max(1, $0)) } ?? pageSize
        var next: String? = accountPath + "/Messages.json?" + FormEncoding.encodeQuery(filters + [("PageSize", "\(size)")])
        var messages: [JSONValue] = []
        while let path = next {
            let page = try await json(HTTPClientRequest(method: .get, url: path))
            messages += page["messages"]?.arrayValue ?? []
            next = page["next_page_uri"]?.stringValue
            if let limit, messages.count >= limit { return Array(messages.prefix(limit)) }
        }
        return messages
    }
}
