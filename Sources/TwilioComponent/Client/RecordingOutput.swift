import ComponentCore

/// Twilio's recording JSON in the shape the component returns: the 19 keys of Twilio's recording
/// resource, camelCased, in Twilio's order, its three dates as ISO 8601.
enum RecordingOutput {
    static let fields = ResourceFields(
        [
            "account_sid", "api_version", "call_sid", "conference_sid", "date_created", "date_updated", "start_time", "duration", "sid",
            "price", "price_unit", "status", "channels", "source", "error_code", "uri", "encryption_details", "subresource_uris",
            "media_url",
        ], dates: ["date_created", "date_updated", "start_time"])

    static func map(_ recording: JSONValue) -> JSONValue { fields.map(recording) }
}
