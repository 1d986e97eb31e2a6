import ComponentCore
import ComponentHTTP

/// How one of Twilio's resources (snake_case keys, RFC 2822 dates) is returned: its camelCase keys
/// in Twilio's order, dates as ISO 8601 UTC with milliseconds, nulls kept, other values unchanged.
struct ResourceFields: Sendable {
    /// A key of the output, the key of Twilio's JSON it comes from, and whether it holds a date.
    let fields: [(output: String, input: String, isDate: Bool)]

    /// Fields named by their snake_case key; each in `dates` holds a date.
    init(_ keys: [String], dates: Set<String>) {
        fields = keys.map { (Self.camelCased($0), $0, dates.contains($0)) }
    }

    func map(_ resource: JSONValue) -> JSONValue {
        var output = JSONObject()
        for field in fields {
            let value = resource[field.input] ?? .null
            if field.isDate, case .string(let text) = value {
                // An unparseable date passes through rather than failing the whole result.
                output.appendNew(field.output, HTTPDate.parse(text).map { .string(ISO8601Timestamp.string(from: $0)) } ?? value)
            } else {
                output.appendNew(field.output, value)  // the output keys are distinct
            }
        }
        return .object(output)
    }

    /// `parent_call_sid` → `parentCallSid`.
    static func camelCased(_ key: String) -> String {
        let words = key.split(separator: "_")
        return words.prefix(1).joined() + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
