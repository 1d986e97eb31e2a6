import ComponentCore
import ComponentHTTP
import ComponentRuntime
import HTTPTypes
import Synchronization

/// `listMessages`: messages, most recent first, page by page. The result is streamed: each page's
/// messages are handed on as they arrive, and `hasMore` and `cursor` follow the list.
struct ListMessages: ActionHandler {
    struct Input: Decodable, Sendable {
        var to: String?
        var from: String?
        var dateSent: String?
        var dateSentBefore: String?
        var dateSentAfter: String?
        var pageSize: Int
        var limit: Int
        var cursor: String?
        var defaultCountryCode: String
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> StreamedList {
        let api = try TwilioAPI(context: context, settings: settings)
        let listPath = api.accountPath + "/Messages.json"
        let first: String
        if let cursor = input.cursor {
            guard cursor.hasPrefix(listPath + "?") else {
                throw ComponentError.invalidInput(
                    "cursor", label: "Cursor",
                    message: "Input 'cursor' (Cursor) is not a cursor this connection's listing returned; it must start with \(listPath)?.",
                    owner: "action 'listMessages'")
            }
            first = cursor
        } else {
            first = listPath + "?" + FormEncoding.encodeQuery(try Self.filters(input) + [("PageSize", "\(input.pageSize)")])
        }

        let summary = ListingSummary()
        let pageSize = input.pageSize
        let limit = input.limit
        let progress = context.progress
        let elements = AsyncThrowingStream<JSONValue, any Error> { continuation in
            let task = Task {
                var next: String? = first
                do {
                    var remaining = limit  // 0: no limit
                    var fetched = 0
                    var pages = 0
                    while let path = next {
                        // With a limit, the last page asks only for what is still wanted, so the cursor
                        // continues exactly after the last message returned.
                        let size = limit > 0 ? min(pageSize, remaining) : pageSize
                        let page = try await api.json(HTTPClientRequest(method: .get, url: Self.replacingPageSize(in: path, with: size)))
                        let messages = page["messages"]?.arrayValue ?? []
                        for message in messages { continuation.yield(MessageOutput.map(message)) }
                        fetched += messages.count
                        pages += 1
                        next = page["next_page_uri"]?.stringValue
                        progress?("Listed \(fetched) messages (\(pages) page\(pages == 1 ? "" : "s"))…")
                        if limit > 0 {
                            remaining -= messages.count
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
        return StreamedList(key: "messages", elements: elements) {
            let (hasMore, cursor) = summary.state.withLock { $0 }
            return ["hasMore": .bool(hasMore), "cursor": cursor.map(JSONValue.string) ?? .null]
        }
    }

    /// Whether more messages remain, and where to continue, once the listing has ended.
    final class ListingSummary: Sendable {
        let state = Mutex<(hasMore: Bool, cursor: String?)>((false, nil))
    }

    /// The filter parameters, in Twilio's order, with addresses normalised.
    static func filters(_ input: Input) throws(ComponentError) -> [(String, String)] {
        var filters = try addressFilters(
            to: input.to, from: input.from, defaultCountryCode: input.defaultCountryCode, owner: "action 'listMessages'")
        if let date = input.dateSent { filters.append(("DateSent", date)) }
        if let date = input.dateSentBefore { filters.append(("DateSent<", date)) }
        if let date = input.dateSentAfter { filters.append(("DateSent>", date)) }
        return filters
    }

    /// The `To` and `From` filters, normalised as Twilio stores addresses; every unusable one is
    /// reported at once, naming its input (`to`, `from`).
    static func addressFilters(to: String?, from: String?, defaultCountryCode: String, owner: String) throws(ComponentError) -> [(
        String, String
    )] {
        var filters: [(String, String)] = []
        var problems: [InputProblem] = []
        for (key, label, name, value) in [("to", "To", "To", to), ("from", "From", "From", from)] {
            guard let value else { continue }
            switch PhoneNumberNormalizer.normalize(value, role: .filter, defaultCountryCode: defaultCountryCode) {
            case .success(let normalized): filters.append((name, normalized))
            case .failure(let refusal):
                problems.append(
                    InputProblem(
                        key: key, label: label,
                        message: "Input '\(key)' (\(label)) '\(value)' \(refusal.reason); write it as +14155550100 or as national digits."))
            }
        }
        if !problems.isEmpty { throw ComponentError(InputErrors(owner: owner, problems: problems)) }
        return filters
    }

    /// `path` with its `PageSize` query parameter set to `size`.
    static func replacingPageSize(in path: String, with size: Int) -> String {
        guard let question = path.firstIndex(of: "?") else { return path + "?PageSize=\(size)" }
        let base = path[..<question]
        var parameters = path[path.index(after: question)...].split(separator: "&").map(String.init).filter { !$0.hasPrefix("PageSize=") }
        parameters.append("PageSize=\(size)")
        return base + "?" + parameters.joined(separator: "&")
    }
}
