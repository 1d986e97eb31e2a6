import ComponentCore

/// Twilio's media JSON (one file of a message) in the shape the component returns: its 7 keys,
/// camelCased, in Twilio's order, its dates as ISO 8601. Twilio's resource does not say the
/// file's size; getMessageMedia returns the bytes.
enum MediaOutput {
    static let fields = ResourceFields(
        ["account_sid", "content_type", "date_created", "date_updated", "parent_sid", "sid", "uri"],
        dates: ["date_created", "date_updated"])

    static func map(_ media: JSONValue) -> JSONValue { fields.map(media) }
}
