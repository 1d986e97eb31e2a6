import ComponentCore

/// Twilio's call JSON in the shape the component returns: the 26 keys of Twilio's call resource,
/// camelCased, in Twilio's order, its four dates as ISO 8601.
enum CallOutput {
    static let fields = ResourceFields(
        [
            "sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to", "to_formatted", "from", "from_formatted",
            "phone_number_sid", "status", "start_time", "end_time", "duration", "price", "price_unit", "direction", "answered_by",
            "api_version", "forwarded_from", "group_sid", "caller_name", "queue_time", "trunk_sid", "uri", "subresource_uris",
        ], dates: ["date_created", "date_updated", "start_time", "end_time"])

    static func map(_ call: JSONValue) -> JSONValue { fields.map(call) }
}
