import ComponentCore
import Foundation

/// A call as the sandbox keeps it. Unlike a message, a call's status is not derived from the
/// clock but written by its ``CallRunner`` as the call moves on (the TwiML it runs decides when it
/// ends), so a state file holds the status a call last reached.
struct StoredCall: Codable, Sendable {
    var sid: String
    var accountSid: String
    /// Creation order, for stable listing among equal timestamps.
    var sequence: Int
    /// `outbound-api`, `outbound-dial` (a `<Dial>`'s child call) or `inbound`.
    var direction: String
    var parentCallSid: String?
    var to: String
    var from: String
    var status: String
    /// Unix seconds.
    var createdAt: Double
    var updatedAt: Double
    /// When the callee answered; unset for calls never answered.
    var startTime: Double?
    var endTime: Double?
    /// Whole seconds from answer to end, once ended.
    var duration: Int?
    /// `human`, `machine_start`, `machine_end_beep`, ... with MachineDetection.
    var answeredBy: String?
    /// Where the call's first TwiML comes from.
    var source: TwiMLSource
    var settings: CallSettings
    /// The TwiML error that ended the call, when one did.
    var errorCode: Int?

    static let finalStatuses: Set<String> = ["completed", "busy", "failed", "no-answer", "canceled"]

    var isFinished: Bool { Self.finalStatuses.contains(status) }

    /// The call as Twilio's API returns it: every key of `api.v2010.account.call`, RFC 2822 dates.
    func json() -> JSONValue {
        let uri = "/2010-04-01/Accounts/\(accountSid)/Calls/\(sid)"
        var object = JSONObject()
        object["account_sid"] = .string(accountSid)
        object["answered_by"] = answeredBy.map(JSONValue.string) ?? .null
        object["api_version"] = "2010-04-01"
        object["caller_name"] = .null
        object["date_created"] = .string(TwilioDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(TwilioDate.string(fromUnixSeconds: updatedAt))
        object["direction"] = .string(direction)
        object["duration"] = duration.map { .string(String($0)) } ?? (isFinished ? "0" : .null)
        object["end_time"] = endTime.map { .string(TwilioDate.string(fromUnixSeconds: $0)) } ?? .null
        object["forwarded_from"] = .null
        object["from"] = .string(from)
        object["from_formatted"] = .string(Self.formatted(from))
        object["group_sid"] = .null
        object["parent_call_sid"] = parentCallSid.map(JSONValue.string) ?? .null
        object["phone_number_sid"] = direction == "inbound" ? .string(Self.phoneNumberSid(to)) : .null
        // Twilio prices an answered call per started minute, once it has ended.
        let minutes = duration.map { max(1, Int((Double($0) / 60).rounded(.up))) }
        object["price"] = status == "completed" && startTime != nil ? .string(String(format: "-%.5f", 0.014 * Double(minutes ?? 1))) : .null
        object["price_unit"] = "USD"
        object["queue_time"] = "0"
        object["sid"] = .string(sid)
        object["start_time"] = startTime.map { .string(TwilioDate.string(fromUnixSeconds: $0)) } ?? .null
        object["status"] = .string(status)
        object["subresource_uris"] = .object(
            JSONObject(
                [
                    "events", "notifications", "recordings", "payments", "siprec", "streams", "transcriptions",
                    "user_defined_message_subscriptions", "user_defined_messages",
                ].map { name in
                    let file = name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
                    return (name, JSONValue.string("\(uri)/\(file).json"))
                }))
        object["to"] = .string(to)
        object["to_formatted"] = .string(Self.formatted(to))
        object["trunk_sid"] = .null
        object["uri"] = .string(uri + ".json")
        return .object(object)
    }

    /// A North American number as Twilio formats it, `(415) 555-0100`; any other address as given.
    static func formatted(_ address: String) -> String {
        let digits = address.dropFirst(2)
        guard address.hasPrefix("+1"), digits.count == 10, digits.allSatisfy(\.isNumber) else { return address }
        return "(\(digits.prefix(3))) \(digits.dropFirst(3).prefix(3))-\(digits.suffix(4))"
    }

    /// A stable `PN` sid for one of the account's numbers.
    static func phoneNumberSid(_ number: String) -> String {
        let digits = number.filter(\.isNumber)
        return "PN" + String(repeating: "0", count: max(0, 32 - digits.count)) + digits.suffix(32)
    }
}

/// Where a call's TwiML comes from: a URL fetched with a method, or the TwiML itself.
struct TwiMLSource: Codable, Sendable, Equatable {
    var url: String?
    var method: String
    var twiml: String?

    static func fetch(_ url: String, method: String) -> TwiMLSource { TwiMLSource(url: url, method: method, twiml: nil) }
    static func inline(_ twiml: String) -> TwiMLSource { TwiMLSource(url: nil, method: "POST", twiml: twiml) }
}

/// What a call was asked to do besides its TwiML: callbacks, recording, timeouts, detection.
struct CallSettings: Codable, Sendable {
    var statusCallback: String?
    var statusCallbackMethod = "POST"
    /// `initiated`, `ringing`, `answered`, `completed`: the events posted to ``statusCallback``.
    var statusCallbackEvents: [String] = ["completed"]
    var record = false
    var recordingChannels = "mono"
    var recordingStatusCallback: String?
    /// Seconds to let the call ring.
    var timeout = 60
    /// Seconds the call may last at most.
    var timeLimit = 14_400
    /// `Enable` or `DetectMessageEnd`.
    var machineDetection: String?
    var sendDigits: String?
}
