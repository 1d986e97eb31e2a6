import ComponentCore

/// One page of a list resource, in Twilio's envelope: `PageSize` (1 to 1000, 50 by default),
/// `Page`, and `PageToken` (`PA` + the sequence number of the last item of the page before, `PB` +
/// that of the first item of the page after), with the filters repeated in every page URI. A token
/// names a position, not an item, so it stays valid when its item is deleted, as Twilio's do.
enum ListPage {
    /// - Parameter sequences: the sequence numbers of the list's items, in its order (newest, so
    ///   highest, first).
    static func envelope(
        key: String, sequences: [Int], items: (Range<Int>) -> [JSONValue], query: [(String, String)], filters: [(String, String)],
        path: String
    ) -> Result<JSONValue, TwilioAPIError> {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        let pageSize = min(1000, max(1, Int(value("PageSize") ?? "") ?? 50))
        let page = max(0, Int(value("Page") ?? "") ?? 0)
        let token = value("PageToken")
        if page > 0, token == nil { return .failure(.pageTokenRequired) }
        var range = 0..<min(pageSize, sequences.count)
        if let token {
            guard token.hasPrefix("PA") || token.hasPrefix("PB"), let sequence = Int(token.dropFirst(2)) else {
                return .failure(.invalidParameter("PageToken \(token) is not valid for this list."))
            }
            if token.hasPrefix("PA") {
                // The page after: the items older than the token's, deleted or not.
                let start = sequences.firstIndex { $0 < sequence } ?? sequences.count
                range = start..<min(start + pageSize, sequences.count)
            } else {
                // The page before: the items just newer than the token's.
                let end = sequences.firstIndex { $0 <= sequence } ?? sequences.count
                range = max(0, end - pageSize)..<end
            }
        }
        let filterQuery = filters.map { URLEncodedForm.percentEncode($0.0) + "=" + URLEncodedForm.percentEncode($0.1) }
        func uri(page: Int, token: String?) -> JSONValue {
            var parts = filterQuery + ["PageSize=\(pageSize)", "Page=\(page)"]
            if let token { parts.append("PageToken=\(URLEncodedForm.percentEncode(token))") }
            return .string(path + "?" + parts.joined(separator: "&"))
        }
        let start = page * pageSize
        var envelope = JSONObject()
        envelope[key] = .array(items(range))
        envelope["end"] = .integer(range.isEmpty ? 0 : start + range.count - 1)
        envelope["first_page_uri"] = uri(page: 0, token: nil)
        envelope["next_page_uri"] =
            range.upperBound < sequences.count && !range.isEmpty
            ? uri(page: page + 1, token: "PA\(sequences[range.upperBound - 1])") : .null
        envelope["page"] = .integer(page)
        envelope["page_size"] = .integer(pageSize)
        envelope["previous_page_uri"] =
            page > 0 && range.lowerBound > 0 && !range.isEmpty ? uri(page: page - 1, token: "PB\(sequences[range.lowerBound])") : .null
        envelope["start"] = .integer(start)
        envelope["uri"] = uri(page: page, token: token)
        return .success(.object(envelope))
    }
}
