import ComponentCore

/// One of an account's incoming phone numbers, with the webhooks Twilio calls for it.
struct StoredIncomingNumber: Codable, Sendable, Hashable {
    var sid: String
    var accountSid: String
    var phoneNumber: String
    var friendlyName: String
    /// Orders the account's numbers in lists, highest first.
    var sequence: Int
    var smsURL = ""
    var smsMethod = "POST"
    var smsFallbackURL = ""
    var smsFallbackMethod = "POST"
    var voiceURL = ""
    var voiceMethod = "POST"
    var voiceFallbackURL = ""
    var voiceFallbackMethod = "POST"
    var statusCallback = ""
    var statusCallbackMethod = "POST"
    /// The TwiML App (`AP…`) that answers the number's calls or messages instead of its URLs, and
    /// the SIP trunk (`TK…`) its calls go to; `nil` when unset (absent in older state files).
    var voiceApplicationSid: String?
    var smsApplicationSid: String?
    var trunkSid: String?
    /// Unix seconds.
    var createdAt: Double
    var updatedAt: Double

    /// The numbers every sandbox account starts with: Twilio's magic test From number and one
    /// more, with SIDs derived from the account so they are the same in every run.
    static func starting(account: String) -> [StoredIncomingNumber] {
        let created = 1_577_836_800.0  // 2020-01-01, as the sandbox account
        return [("+15005550006", "(500) 555-0006"), ("+15017122661", "(501) 712-2661")].enumerated().map { position, number in
            StoredIncomingNumber(
                sid: StableSid.make("PN", seed: "\(account)/\(number.0)"), accountSid: account, phoneNumber: number.0,
                friendlyName: number.1, sequence: 2 - position, createdAt: created, updatedAt: created)
        }
    }

    /// The IncomingPhoneNumber resource as Twilio's API returns it: every property of its schema.
    var json: JSONValue {
        var object = JSONObject()
        object["account_sid"] = .string(accountSid)
        object["address_requirements"] = "none"
        object["address_sid"] = .null
        object["api_version"] = "2010-04-01"
        object["beta"] = false
        object["bundle_sid"] = .null
        object["capabilities"] = ["fax": false, "mms": true, "sms": true, "voice": true]
        object["date_created"] = .string(TwilioDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(TwilioDate.string(fromUnixSeconds: updatedAt))
        object["emergency_address_sid"] = .null
        object["emergency_address_status"] = "unregistered"
        object["emergency_status"] = "Inactive"
        object["friendly_name"] = .string(friendlyName)
        object["identity_sid"] = .null
        object["origin"] = "twilio"
        object["phone_number"] = .string(phoneNumber)
        object["sid"] = .string(sid)
        object["sms_application_sid"] = smsApplicationSid.map(JSONValue.string) ?? .null
        object["sms_fallback_method"] = .string(smsFallbackMethod)
        object["sms_fallback_url"] = .string(smsFallbackURL)
        object["sms_method"] = .string(smsMethod)
        object["sms_url"] = .string(smsURL)
        object["status"] = "in-use"
        object["status_callback"] = .string(statusCallback)
        object["status_callback_method"] = .string(statusCallbackMethod)
        object["trunk_sid"] = trunkSid.map(JSONValue.string) ?? .null
        object["type"] = "local"
        object["uri"] = .string("/2010-04-01/Accounts/\(accountSid)/IncomingPhoneNumbers/\(sid).json")
        object["voice_application_sid"] = voiceApplicationSid.map(JSONValue.string) ?? .null
        object["voice_caller_id_lookup"] = false
        object["voice_fallback_method"] = .string(voiceFallbackMethod)
        object["voice_fallback_url"] = .string(voiceFallbackURL)
        object["voice_method"] = .string(voiceMethod)
        object["voice_receive_mode"] = "voice"
        object["voice_url"] = .string(voiceURL)
        return .object(object)
    }
}
