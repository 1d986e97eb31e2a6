import ComponentCore

/// A Verify service (`VA…`): the settings its verifications are sent with.
struct StoredVerifyService: Sendable, Codable, Equatable {
    var sid: String
    var accountSid: String
    var sequence: Int
    var friendlyName: String
    /// Digits in each generated code, 4 to 10.
    var codeLength: Int
    var lookupEnabled: Bool
    var psd2Enabled: Bool
    var skipSmsToLandlines: Bool
    var dtmfInputRequired: Bool
    var ttsName: String?
    var doNotShareWarningEnabled: Bool
    var customCodeEnabled: Bool
    var defaultTemplateSid: String?
    /// The WhatsApp sender (`Whatsapp.From`) or Messaging Service (`Whatsapp.MsgServiceSid`):
    /// without one the service cannot send over WhatsApp (60223).
    var whatsappFrom: String?
    var whatsappServiceSid: String?
    var verifyEventSubscriptionEnabled: Bool
    var createdAt: Double
    var updatedAt: Double

    /// Whether the service has a WhatsApp sender to deliver codes from.
    var canSendWhatsApp: Bool { whatsappFrom != nil || whatsappServiceSid != nil }

    /// The resource as Twilio writes it, its URLs on the sandbox's own address `base`.
    func json(base: String) -> JSONValue {
        let url = base + "/v2/Services/" + sid
        var object = JSONObject()
        object["sid"] = .string(sid)
        object["account_sid"] = .string(accountSid)
        object["friendly_name"] = .string(friendlyName)
        object["code_length"] = .integer(codeLength)
        object["lookup_enabled"] = .bool(lookupEnabled)
        object["psd2_enabled"] = .bool(psd2Enabled)
        object["skip_sms_to_landlines"] = .bool(skipSmsToLandlines)
        object["dtmf_input_required"] = .bool(dtmfInputRequired)
        object["tts_name"] = ttsName.map(JSONValue.string) ?? .null
        object["do_not_share_warning_enabled"] = .bool(doNotShareWarningEnabled)
        object["custom_code_enabled"] = .bool(customCodeEnabled)
        object["push"] = ["include_date": false, "apn_credential_sid": .null, "fcm_credential_sid": .null]
        object["totp"] = ["issuer": .string(friendlyName), "time_step": 30, "code_length": 6, "skew": 1]
        object["default_template_sid"] = defaultTemplateSid.map(JSONValue.string) ?? .null
        object["whatsapp"] = [
            "msg_service_sid": whatsappServiceSid.map(JSONValue.string) ?? .null, "from": whatsappFrom.map(JSONValue.string) ?? .null,
        ]
        object["passkeys"] = .null
        object["verify_event_subscription_enabled"] = .bool(verifyEventSubscriptionEnabled)
        object["date_created"] = .string(VerifyDate.string(fromUnixSeconds: createdAt))
        object["date_updated"] = .string(VerifyDate.string(fromUnixSeconds: updatedAt))
        object["url"] = .string(url)
        object["links"] = [
            "verification_checks": .string(url + "/VerificationCheck"), "verifications": .string(url + "/Verifications"),
            "rate_limits": .string(url + "/RateLimits"), "messaging_configurations": .string(url + "/MessagingConfigurations"),
            "entities": .string(url + "/Entities"), "webhooks": .string(url + "/Webhooks"),
            "access_tokens": .string(url + "/AccessTokens"),
        ]
        return .object(object)
    }
}
