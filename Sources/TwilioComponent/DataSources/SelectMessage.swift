import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials

/// `selectMessage`: a picklist of recent messages for engines that offer dropdowns. Each element
/// is `{"key": <SID>, "label": "2026-11-29 10:15 → +14155550100: first words…"}`; the key is the
/// value the engine stores (the SDK's picklist element).
struct SelectMessage: DataSourceHandler {
    struct Input: Decodable, Sendable {
        var to: String?
        var from: String?
        var limit: Int
        var defaultCountryCode: String
    }

    let settings: ServiceSettings

    /// How many characters of the body a label shows.
    static let previewLength = 40

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let filters = try ListMessages.addressFilters(
            to: input.to, from: input.from, defaultCountryCode: input.defaultCountryCode, owner: "data source 'selectMessage'")
        let messages = try await api.messages(filters: filters, pageSize: input.limit, limit: input.limit)
        return .array(
            messages.compactMap { message in
                guard let sid = message["sid"]?.stringValue else { return nil }
                return ["key": .string(sid), "label": .string(Self.label(message))]
            })
    }

    /// "date time → to: first words…", the date being when it was sent (or created, while queued).
    static func label(_ message: JSONValue) -> String {
        let date = (message["date_sent"]?.stringValue ?? message["date_created"]?.stringValue).flatMap(HTTPDate.parse)
        let when = date.map { ISO8601Timestamp.string(from: $0).prefix(16).replacing("T", with: " ") } ?? "unsent"
        let to = message["to"]?.stringValue ?? "?"
        return "\(when) → \(to): \(preview(message["body"]?.stringValue ?? ""))"
    }

    /// The body's first words on one line, cut at a word boundary with an ellipsis when longer.
    static func preview(_ body: String) -> String {
        let words = body.split(whereSeparator: \.isWhitespace)
        var text = ""
        for word in words {
            let candidate = text.isEmpty ? String(word) : text + " " + word
            if candidate.count > previewLength {
                return (text.isEmpty ? String(candidate.prefix(previewLength)) : text) + "…"
            }
            text = candidate
        }
        return text.isEmpty ? "(no text)" : text
    }
}
