import ComponentCore
import ComponentHTTP
import ComponentRuntime

/// `selectPhoneNumber`: a picklist of the account's incoming numbers, for configureNumberWebhooks
/// and the From of sends. Each element is `{"key": "+15005550006", "label": "+15005550006 ((500)
/// 555-0006)"}`: the key is the number in E.164, which configureNumberWebhooks and sendSMS both take.
struct SelectPhoneNumber: DataSourceHandler {
    struct Input: Decodable, Sendable {
        var limit: Int
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let numbers = try await api.everyPage(
            of: "IncomingPhoneNumbers", key: "incoming_phone_numbers", filters: [], pageSize: input.limit, limit: input.limit)
        return .array(
            numbers.compactMap { number in
                guard let phoneNumber = number["phone_number"]?.stringValue else { return nil }
                return ["key": .string(phoneNumber), "label": .string(Self.label(number, phoneNumber: phoneNumber))]
            })
    }

    /// "+15005550006 ((500) 555-0006)": the number, and its friendly name when it has one.
    static func label(_ number: JSONValue, phoneNumber: String) -> String {
        guard let name = number["friendly_name"]?.stringValue, !name.isEmpty, name != phoneNumber else { return phoneNumber }
        return "\(phoneNumber) (\(name))"
    }
}
