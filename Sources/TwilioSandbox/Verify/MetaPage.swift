import ComponentCore

/// One page of a v2 list, in Twilio's `meta` envelope, its window from ``PageWindow``. The URLs
/// are absolute, on the sandbox's own address, because clients follow `next_page_url` as it is.
enum MetaPage {
    /// - Parameter sequences: the sequence numbers of the list's items, in its order (newest first).
    static func envelope(
        key: String, sequences: [Int], items: (Range<Int>) -> [JSONValue], query: [(String, String)], url: String
    ) -> Result<JSONValue, TwilioAPIError> {
        let window: PageWindow
        switch PageWindow.of(
            query: query, sequences: sequences,
            invalidToken: { .verifyInvalidParameter("PageToken", "\($0) is not a token of this list.") })
        {
        case .failure(let error): return .failure(error)
        case .success(let found): window = found
        }
        func pageURL(page: Int, token: String?) -> JSONValue {
            var parts = ["PageSize=\(window.pageSize)", "Page=\(page)"]
            if let token { parts.append("PageToken=\(URLEncodedForm.percentEncode(token))") }
            return .string(url + "?" + parts.joined(separator: "&"))
        }
        var meta = JSONObject()
        meta["page"] = .integer(window.page)
        meta["page_size"] = .integer(window.pageSize)
        meta["first_page_url"] = pageURL(page: 0, token: nil)
        meta["previous_page_url"] = window.previousToken(sequences).map { pageURL(page: window.page - 1, token: $0) } ?? .null
        meta["url"] = pageURL(page: window.page, token: window.token)
        meta["next_page_url"] = window.nextToken(sequences).map { pageURL(page: window.page + 1, token: $0) } ?? .null
        meta["key"] = .string(key)
        var envelope = JSONObject()
        envelope[key] = .array(items(window.range))
        envelope["meta"] = .object(meta)
        return .success(.object(envelope))
    }
}
