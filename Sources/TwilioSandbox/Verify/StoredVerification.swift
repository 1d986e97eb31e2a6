import ComponentCore

/// A verification (`VE…`): a code sent to one recipient, waiting to be checked.
struct StoredVerification: Sendable, Codable, Equatable {
    /// One delivery of the code (the first send and each resend).
    struct SendAttempt: Sendable, Codable, Equatable {
        var sid: String
        var channel: String
        var time: Double
    }

    var sid: String
    var serviceSid: String
    var accountSid: String
    var sequence: Int
    var to: String
    var channel: String
    /// `pending`, `approved`, `canceled`, `expired` or `max_attempts_reached`.
    var status: String
    /// The secret: never in an API response, a log or the state file in the clear.
    var code: String
    var locale: String?
    var amount: String?
    var payee: String?
    var sendAttempts: [SendAttempt]
    var checkAttempts: Int
    /// The carrier found when the service has lookups enabled (`lookup.carrier`).
    var carrier: JSONValue?
    var createdAt: Double
    var updatedAt: Double

    /// How long a verification lives: ten minutes from its creation.
    static let lifetime: Double = 600
    /// Checks allowed per verification; the next is refused with 60202.
    static let maximumChecks = 5
    /// Sends allowed per verification; the next is refused with 60203.
    static let maximumSends = 5

    var expiresAt: Double { createdAt + Self.lifetime }

    /// Whether a check or a resend still applies to it at `now`.
    func isLive(now: Double) -> Bool {
        (status == "pending" || status == "max_attempts_reached") && now < expiresAt
    }

    /// The fields a Verification and a VerificationCheck share, in Twilio's order (never the code).
    private var sharedHead: JSONObject {
        var object = JSONObject()
        object["sid"] = .string(sid)
        object["service_sid"] = .string(serviceSid)
        object["account_sid"] = .string(accountSid)
        object["to"] = .string(to)
        object["channel"] = .string(channel)
        object["status"] = .string(status)
        object["valid"] = .bool(status == "approved")
        return object
    }

    /// The resource as Twilio writes it (never with the code).
    func json(base: String) -> JSONValue {
        var object = sharedHead
        object["lookup"] = carrier.map { ["carrier": $0] } ?? .object(JSONObject())
        object["amount"] = amount.map(JSONValue.string) ?? .null
        object["payee"] = payee.map(JSONValue.string) ?? .null
        object["send_code_attempts"] = .array(
            sendAttempts.map { attempt in
                [
                    "time": .string(VerifyDate.string(fromUnixSeconds: attempt.time)),
                    "channel": .string(attempt.channel == "whatsapp" ? "whatsapp" : attempt.channel.uppercased()),
                    "attempt_sid": .string(attempt.sid),
                ]
            })
        object["date_created"] = .string(VerifyDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(VerifyDate.string(fromUnixSeconds: updatedAt))
        object["sna"] = .null
        object["url"] = .string(base + "/v2/Services/" + serviceSid + "/Verifications/" + sid)
        return .object(object)
    }

    /// The answer to a check, as Twilio writes a VerificationCheck (never with the code).
    func checkJSON() -> JSONValue {
        var object = sharedHead
        object["amount"] = amount.map(JSONValue.string) ?? .null
        object["payee"] = payee.map(JSONValue.string) ?? .null
        object["date_created"] = .string(VerifyDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(VerifyDate.string(fromUnixSeconds: updatedAt))
        object["sna_attempts_error_codes"] = .array([])
        return .object(object)
    }

    /// What `GET /__sandbox/verifications` shows: the only place the code is revealed.
    var controlJSON: JSONValue {
        [
            "sid": .string(sid), "serviceSid": .string(serviceSid), "accountSid": .string(accountSid), "to": .string(to),
            "channel": .string(channel), "status": .string(status), "code": .string(code), "sendAttempts": .integer(sendAttempts.count),
            "checkAttempts": .integer(checkAttempts),
            "dateCreated": .string(VerifyDate.string(fromUnixSeconds: createdAt)),
        ]
    }
}
