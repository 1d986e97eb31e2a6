import ComponentCore
import ComponentHTTP

/// Verify's JSON in the shape the component returns: camelCased keys in Twilio's order, values
/// unchanged but the dates (the top-level ones and each send attempt's `time`), which Verify
/// writes in ISO 8601 (RFC 2822 in older answers) and the component returns as every date, in UTC
/// with milliseconds.
struct VerifyResource: Sendable {
    let fields: ResourceFields
    let dates: Set<String>

    /// Fields named by their snake_case key; each in `dates` holds a date.
    init(_ keys: [String], dates: Set<String> = []) {
        fields = ResourceFields(keys, dates: [])
        self.dates = Set(dates.map(ResourceFields.camelCased))
    }

    func map(_ resource: JSONValue) -> JSONValue {
        guard case .object(var output) = fields.map(resource) else { return .null }
        for key in dates { output[key] = output[key].map(Self.date) }
        if case .array(let attempts)? = output["sendCodeAttempts"] {
            output["sendCodeAttempts"] = .array(
                attempts.map { attempt in
                    guard case .object(var attempt) = attempt else { return attempt }
                    attempt["time"] = attempt["time"].map(Self.date)
                    return .object(attempt)
                })
        }
        return .object(output)
    }

    /// A date in ISO 8601 or RFC 2822 as ISO 8601 UTC with milliseconds; anything else unchanged,
    /// rather than failing the whole result.
    static func date(_ value: JSONValue) -> JSONValue {
        guard case .string(let text) = value, let date = ISO8601Timestamp.date(from: text) ?? HTTPDate.parse(text) else { return value }
        return .string(ISO8601Timestamp.string(from: date))
    }

    /// A verification (`VE...`) as sendVerification and cancelVerification return it.
    static let verification = VerifyResource(
        [
            "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "lookup", "amount", "payee", "send_code_attempts",
            "date_created", "date_updated", "sna", "url",
        ], dates: ["date_created", "date_updated"])

    /// The result of a check, as checkVerification returns it.
    static let verificationCheck = VerifyResource(
        [
            "sid", "service_sid", "account_sid", "to", "channel", "status", "valid", "amount", "payee", "date_created", "date_updated",
            "sna_attempts_error_codes",
        ], dates: ["date_created", "date_updated"])

    /// A Verify service (`VA...`), as createVerifyService returns it.
    static let service = VerifyResource(
        [
            "sid", "account_sid", "friendly_name", "code_length", "lookup_enabled", "psd2_enabled", "skip_sms_to_landlines",
            "dtmf_input_required", "tts_name", "do_not_share_warning_enabled", "custom_code_enabled", "push", "totp",
            "default_template_sid", "whatsapp", "passkeys", "verify_event_subscription_enabled", "date_created", "date_updated", "url",
            "links",
        ], dates: ["date_created", "date_updated"])
}
