import ComponentCore

/// One page of a list resource, in Twilio's 2010 envelope, its window from ``PageWindow``, with
/// the filters repeated in every page URI.
enum ListPage {
    /// - Parameter sequences: the sequence numbers of the list's items, in its order (newest, so
    ///   highest, first).
    static func envelope(
        key: String, sequences: [Int], items: (Range<Int>) -> [JSONValue], query: [(String, String)], filters: [(String, String)],
        path: String
    ) -> Result<JSONValue, TwilioAPIError> {
        let hasToken = query.contains { $0.0 == "PageToken" }
        let window: PageWindow
        switch PageWindow.of(
            query: query, sequences: sequences, invalidToken: { .invalidParameter("PageToken \($0) is not valid for this list.") })
        {
        case .failure(let error): return .failure(error)
        case .success(let found): window = found
        }
        if window.page > 0, !hasToken { return .failure(.pageTokenRequired) }
        let filterQuery = filters.map { URLEncodedForm.percentEncode($0.0) + "=" + URLEncodedForm.percentEncode($0.1) }
        func uri(page: Int, token: String?) -> JSONValue {
            var parts = filterQuery + ["PageSize=\(window.pageSize)", "Page=\(page)"]
            if let token { parts.append("PageToken=\(URLEncodedForm.percentEncode(token))") }
            return .string(path + "?" + parts.joined(separator: "&"))
        }
        let range = window.range
        var envelope = JSONObject()
        envelope[key] = .array(items(range))
        envelope["end"] = .integer(range.isEmpty ? 0 : window.start + range.count - 1)
        envelope["first_page_uri"] = uri(page: 0, token: nil)
        envelope["next_page_uri"] = window.nextToken(sequences).map { uri(page: window.page + 1, token: $0) } ?? .null
        envelope["page"] = .integer(window.page)
        envelope["page_size"] = .integer(window.pageSize)
        envelope["previous_page_uri"] = window.previousToken(sequences).map { uri(page: window.page - 1, token: $0) } ?? .null
        envelope["start"] = .integer(window.start)
        envelope["uri"] = uri(page: window.page, token: window.token)
        return .success(.object(envelope))
    }
}
