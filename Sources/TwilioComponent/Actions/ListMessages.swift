import ComponentCore
import ComponentHTTP
import ComponentRuntime

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
        let listing = PagedListing(api: api, listPath: api.accountPath + "/Messages.json", key: "messages", map: MessageOutput.map)
        let first = try listing.firstPage(
            filters: input.cursor == nil ? try Self.filters(input) : [], pageSize: input.pageSize, cursor: input.cursor,
            owner: "action 'listMessages'")
        return listing.stream(from: first, pageSize: input.pageSize, limit: input.limit, progress: context.progress)
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

    /// How to write a message's address, for the sentences refusing one.
    static let addressForms = "write it as +14155550100 or as national digits"

    /// The `To` and `From` filters, normalised as Twilio stores addresses; every unusable one is
    /// reported at once, naming its input (`to`, `from`) and saying the `forms` the list takes.
    static func addressFilters(
        to: String?, from: String?, defaultCountryCode: String, owner: String, forms: String = addressForms
    ) throws(ComponentError) -> [(String, String)] {
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
                        message: "Input '\(key)' (\(label)) '\(value)' \(refusal.reason); \(forms)."))
            }
        }
        if !problems.isEmpty { throw ComponentError(InputErrors(owner: owner, problems: problems)) }
        return filters
    }
}
