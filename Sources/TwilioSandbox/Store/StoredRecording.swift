import ComponentCore
import Foundation

/// A recording of a call (the whole call with `Record=true`, or a `<Record>` or `<Dial record>`),
/// whose media the sandbox generates on request (``RecordingMedia``).
struct StoredRecording: Codable, Sendable {
    var sid: String
    var accountSid: String
    var callSid: String
    var sequence: Int
    /// Unix seconds.
    var createdAt: Double
    var startTime: Double
    /// Whole seconds.
    var duration: Int
    var channels: Int
    /// `OutboundAPI`, `RecordVerb`, `DialVerb`, ...
    var source: String

    var uri: String { "/2010-04-01/Accounts/\(accountSid)/Recordings/\(sid)" }

    /// The recording as Twilio's API returns it: every key of `api.v2010.account.recording`;
    /// `baseURL` makes `media_url` absolute, as Twilio's is. Listed under its call, it has the
    /// shape of `api.v2010.account.call.call_recording` instead: a `track`, no media URL or subresources.
    func json(baseURL: String, underCall: Bool = false) -> JSONValue {
        var object = JSONObject()
        object["account_sid"] = .string(accountSid)
        object["api_version"] = "2010-04-01"
        object["call_sid"] = .string(callSid)
        object["channels"] = .integer(channels)
        object["conference_sid"] = .null
        object["date_created"] = .string(TwilioDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(TwilioDate.string(fromUnixSeconds: createdAt))
        object["duration"] = .string(String(duration))
        object["encryption_details"] = .null
        object["error_code"] = .null
        if !underCall { object["media_url"] = .string(baseURL + uri) }
        let price = -0.0025 * Double(max(1, Int((Double(duration) / 60).rounded(.up))))
        // Twilio's description gives a call's recordings a numeric price, the account's a string.
        object["price"] = underCall ? .number(price) : .string(String(format: "%.5f", price))
        object["price_unit"] = "USD"
        object["sid"] = .string(sid)
        object["source"] = .string(source)
        object["start_time"] = .string(TwilioDate.string(fromUnixSeconds: startTime))
        object["status"] = "completed"
        if underCall {
            object["track"] = "both"
            object["uri"] = .string("/2010-04-01/Accounts/\(accountSid)/Calls/\(callSid)/Recordings/\(sid).json")
        } else {
            object["subresource_uris"] = [
                "add_on_results": .string(uri + "/AddOnResults.json"), "transcriptions": .string(uri + "/Transcriptions.json"),
            ]
            object["uri"] = .string(uri + ".json")
        }
        return .object(object)
    }
}
