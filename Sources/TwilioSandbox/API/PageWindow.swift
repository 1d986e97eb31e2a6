import HTTPTypes

/// The window one page request names in a list, shared by the 2010 API's envelope (``ListPage``)
/// and v2's `meta` envelope (``MetaPage``): `PageSize` (1 to 1000, 50 by default), `Page`, and
/// `PageToken` (`PA` + the sequence number of the last item of the page before, `PB` + that of
/// the first item of the page after). A token names a position, not an item, so it stays valid
/// when its item is deleted, as Twilio's do.
struct PageWindow: Sendable, Equatable {
    var pageSize: Int
    var page: Int
    var token: String?
    /// The items of the page, as indices into the list.
    var range: Range<Int>
    /// The index of the page's first item as `Page` and `PageSize` count it (`start` in the 2010 envelope).
    var start: Int

    /// The window `query` asks for in a list whose items have `sequences` (in its order, newest,
    /// so highest, first). A `Page` whose items could not be counted (`Page × PageSize` or
    /// `Page + 1` past the largest integer) is refused with 20001 rather than wrapped.
    /// - Parameter invalidToken: the list's answer to a `PageToken` it did not make.
    static func of(
        query: [(String, String)], sequences: [Int], invalidToken: (String) -> TwilioAPIError
    ) -> Result<PageWindow, TwilioAPIError> {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        let pageSize = min(1000, max(1, Int(value("PageSize") ?? "") ?? 50))
        let page = max(0, Int(value("Page") ?? "") ?? 0)
        let (start, overflow) = page.multipliedReportingOverflow(by: pageSize)
        guard !overflow, page < Int.max, start <= Int.max - pageSize else { return .failure(.pageTooLarge(page, pageSize: pageSize)) }
        let token = value("PageToken")
        var range = 0..<min(pageSize, sequences.count)
        if let token {
            guard token.hasPrefix("PA") || token.hasPrefix("PB"), let sequence = Int(token.dropFirst(2)) else {
                return .failure(invalidToken(token))
            }
            if token.hasPrefix("PA") {
                // The page after: the items older than the token's, deleted or not.
                let first = sequences.firstIndex { $0 < sequence } ?? sequences.count
                range = first..<min(first + pageSize, sequences.count)
            } else {
                // The page before: the items just newer than the token's.
                let end = sequences.firstIndex { $0 <= sequence } ?? sequences.count
                range = max(0, end - pageSize)..<end
            }
        } else if page > 0 {
            let first = min(start, sequences.count)
            range = first..<min(first + pageSize, sequences.count)
        }
        return .success(PageWindow(pageSize: pageSize, page: page, token: token, range: range, start: start))
    }

    /// The token of the page after this one, or `nil` when this is the last.
    func nextToken(_ sequences: [Int]) -> String? {
        range.upperBound < sequences.count && !range.isEmpty ? "PA\(sequences[range.upperBound - 1])" : nil
    }

    /// The token of the page before this one, or `nil` when this is the first.
    func previousToken(_ sequences: [Int]) -> String? {
        page > 0 && range.lowerBound > 0 && !range.isEmpty ? "PB\(sequences[range.lowerBound])" : nil
    }
}

extension TwilioAPIError {
    /// 20001: a `Page` too large to count items to.
    static func pageTooLarge(_ page: Int, pageSize: Int) -> TwilioAPIError {
        TwilioAPIError(
            code: 20001, status: 400,
            message:
                "Invalid Page: \(page) pages of \(pageSize) are past the end of any list. Follow next_page_uri instead of computing Page.")
    }
}
