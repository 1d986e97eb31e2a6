import ComponentCore
import ComponentHTTP
import FoundationEssentials

/// Twilio's message JSON (snake_case, RFC 2822 dates) in the shape the component returns: the 20
/// camelCase keys in the documented order, dates as ISO 8601 UTC with milliseconds, nulls kept,
/// `subresourceUris` passed through.
enum MessageOutput {
    private enum Conversion { case same, date }

    private static let fields: [(output: String, input: String, conversion: Conversion)] = [
        ("body", "body", .same), ("numSegments", "num_segments", .same), ("direction", "direction", .same),
        ("from", "from", .same), ("to", "to", .same), ("dateUpdated", "date_updated", .date), ("price", "price", .same),
        ("errorMessage", "error_message", .same), ("uri", "uri", .same), ("accountSid", "account_sid", .same),
        ("numMedia", "num_media", .same), ("status", "status", .same), ("messagingServiceSid", "messaging_service_sid", .same),
        ("sid", "sid", .same), ("dateSent", "date_sent", .date), ("dateCreated", "date_created", .date),
        ("errorCode", "error_code", .same), ("priceUnit", "price_unit", .same), ("apiVersion", "api_version", .same),
        ("subresourceUris", "subresource_uris", .same),
    ]

    static func map(_ message: JSONValue) -> JSONValue {
        var output = JSONObject()
        for field in fields {
            let value = message[field.input] ?? .null
            switch (field.conversion, value) {
            case (.date, .string(let text)):
                // Unparseable dates pass through unchanged rather than failing the whole result.
                output.appendNew(field.output, HTTPDate.parse(text).map { .string(ISO8601Timestamp.string(from: $0)) } ?? value)
            default:
                output.appendNew(field.output, value)  // the output keys are distinct
            }
        }
        return .object(output)
    }
}
