import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// An incoming number's webhook settings, as configureNumberWebhooks and restoreNumberWebhooks
/// read and write them: finding the number, its present values, and updating fields with a
/// check that no other change raced the update.
enum NumberWebhooks {
    /// What a setting holds.
    enum Kind: Sendable, Hashable {
        case url
        case method
        /// An application SID, which Twilio uses instead of the number's own URLs when set.
        case application
    }

    /// One webhook setting: its key in the component's inputs and outputs, its label, its form
    /// parameter and JSON key at Twilio, and what it holds.
    struct Field: Sendable, Hashable {
        let key: String
        let label: String
        let parameter: String
        let twilioKey: String
        let kind: Kind
        var isURL: Bool { kind == .url }
    }

    static let smsUrl = Field(key: "smsUrl", label: "SMS URL", parameter: "SmsUrl", twilioKey: "sms_url", kind: .url)
    static let smsMethod = Field(key: "smsMethod", label: "SMS Method", parameter: "SmsMethod", twilioKey: "sms_method", kind: .method)
    static let voiceUrl = Field(key: "voiceUrl", label: "Voice URL", parameter: "VoiceUrl", twilioKey: "voice_url", kind: .url)
    static let voiceMethod = Field(
        key: "voiceMethod", label: "Voice Method", parameter: "VoiceMethod", twilioKey: "voice_method", kind: .method)
    static let statusCallback = Field(
        key: "statusCallback", label: "Status Callback URL", parameter: "StatusCallback", twilioKey: "status_callback", kind: .url)
    static let statusCallbackMethod = Field(
        key: "statusCallbackMethod", label: "Status Callback Method", parameter: "StatusCallbackMethod",
        twilioKey: "status_callback_method", kind: .method)
    static let smsApplicationSid = Field(
        key: "smsApplicationSid", label: "SMS Application SID", parameter: "SmsApplicationSid", twilioKey: "sms_application_sid",
        kind: .application)
    static let voiceApplicationSid = Field(
        key: "voiceApplicationSid", label: "Voice Application SID", parameter: "VoiceApplicationSid",
        twilioKey: "voice_application_sid", kind: .application)

    /// The fields configureNumberWebhooks takes as inputs, in Twilio's order; a URL is followed by
    /// its method.
    static let inputFields = [smsUrl, smsMethod, voiceUrl, voiceMethod, statusCallback, statusCallbackMethod]

    /// Every field a `previous` or `current` object may hold: the inputs, and the application
    /// SIDs configureNumberWebhooks clears when it replaces them.
    static let fields = inputFields + [smsApplicationSid, voiceApplicationSid]

    /// The methods Twilio calls a webhook with.
    static let methods: Set<String> = ["GET", "POST"]

    /// A PN SID, which names a number without a search.
    static func isPhoneNumberSid(_ text: String) -> Bool {
        text.utf8.count == 34 && text.hasPrefix("PN") && text.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// An application SID (AP followed by 32 hex digits).
    static func isApplicationSid(_ text: String) -> Bool {
        text.utf8.count == 34 && text.hasPrefix("AP") && text.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// How to name the number, for the sentences refusing one.
    static let numberForms = "give the number in E.164 (+14155550100), as national digits with the Default Country Code, or its PN SID"

    /// The `phoneNumber` input as a PN SID or an E.164 number, noting a problem when it is neither.
    static func numberReference(_ value: String, defaultCountryCode: String, checks: inout CallInputChecks) -> String {
        let trimmed = value.trimmingSpaces()
        if isPhoneNumberSid(trimmed) { return trimmed }
        let reason: String
        if let channel = PhoneNumberNormalizer.channel(of: trimmed) {
            reason = "is a \(channel): address, not one of the account's phone numbers"
        } else {
            switch PhoneNumberNormalizer.normalize(trimmed, role: .to, defaultCountryCode: defaultCountryCode) {
            case .success(let number): return number
            case .failure(let refusal): reason = refusal.reason
            }
        }
        checks.problem("phoneNumber", "Phone Number", "'\(value)' \(reason); \(numberForms).")
        return trimmed
    }

    /// The IncomingPhoneNumber resource `reference` (a PN SID or an E.164 number) names. A number
    /// the account does not have, by number or by SID (Twilio's 20404), is an input error on
    /// `phoneNumber`.
    static func find(_ reference: String, api: TwilioAPI, owner: String) async throws(ComponentError) -> JSONValue {
        if isPhoneNumberSid(reference) {
            do {
                return try await fetch(reference, api: api)
            } catch  where error.code == 20404 {
                throw unknownNumber(reference, owner: owner)
            }
        }
        // Twilio's PhoneNumber filter matches parts of numbers too: keep the exact one.
        let candidates = try await api.everyPage(
            of: "IncomingPhoneNumbers", key: "incoming_phone_numbers", filters: [("PhoneNumber", reference)], pageSize: 50)
        guard let number = candidates.first(where: { $0["phone_number"]?.stringValue == reference }) else {
            throw unknownNumber(reference, owner: owner)
        }
        return number
    }

    /// The number with SID `sid`, as Twilio has it now.
    static func fetch(_ sid: String, api: TwilioAPI) async throws(ComponentError) -> JSONValue {
        try await api.json(HTTPClientRequest(method: .get, url: api.accountPath + "/IncomingPhoneNumbers/\(sid).json"))
    }

    /// The input error for a number (or PN SID) the account does not have.
    static func unknownNumber(_ reference: String, owner: String) -> ComponentError {
        ComponentError.invalidInput(
            "phoneNumber", label: "Phone Number",
            message:
                "Input 'phoneNumber' (Phone Number) \(reference) is not one of this account's incoming numbers: pick one from selectPhoneNumber, or check that the connection is the account that owns it.",
            owner: owner)
    }

    /// The value of `field` in Twilio's `number` resource; a missing or null one is "".
    static func value(of field: Field, in number: JSONValue) -> String {
        number[field.twilioKey]?.stringValue ?? ""
    }

    /// The values of `fields` in Twilio's `number` resource.
    static func values(of fields: [Field], in number: JSONValue) -> JSONObject {
        var values = JSONObject()
        for field in fields { values[field.key] = .string(value(of: field, in: number)) }
        return values
    }

    /// How sentences name the number.
    static func name(of number: JSONValue) -> String {
        number["phone_number"]?.stringValue ?? number["sid"]?.stringValue ?? "the number"
    }

    /// Sets `changes` (field, value) on `number` and returns the number as read again afterwards.
    ///
    /// The update is one request marked safe to repeat: it sets values, so a retry after a lost
    /// answer ends in the same state, and this run already read the values it replaces. Twilio
    /// has no conditional update, so two runs that read the same values can both update, the
    /// last one winning: the number is read again after the update, and a value other than the
    /// one set means another change raced this one, which fails with the number's present values.
    static func update(
        _ changes: [(Field, String)], on number: JSONValue, api: TwilioAPI, owner: String
    ) async throws(ComponentError) -> JSONValue {
        guard let sid = number["sid"]?.stringValue else {
            throw ComponentError(.protocol, code: "unexpected_response", message: "Twilio's answer for the number has no sid.")
        }
        _ = try await api.json(
            HTTPClientRequest(
                method: .post, url: api.accountPath + "/IncomingPhoneNumbers/\(sid).json",
                body: .form(changes.map { ($0.0.parameter, $0.1) }), safeToRepeat: true))
        let reread = try await fetch(sid, api: api)
        let raced = changes.filter { field, value in Self.value(of: field, in: reread) != value }
        guard raced.isEmpty else {
            let present = values(of: changes.map(\.0), in: reread)
            let described = raced.map { field, value in
                "\(field.key) is \(quoted(Self.value(of: field, in: reread))), not \(quoted(value))"
            }
            throw ComponentError(
                .upstream, code: "webhook_race",
                message:
                    "\(owner) updated \(name(of: number)), but another change raced this one: read again, \(described.joined(separator: "; ")). Twilio has no conditional update, so two changes at once end with the last one's values. Look at the number (its present values are in details.present), decide which flow should own its webhooks, then run the action again.",
                details: ["present": .object(present)])
        }
        return reread
    }

    /// `text` in quotes, or "empty".
    static func quoted(_ text: String) -> String { text.isEmpty ? "empty" : "'\(text)'" }

    /// The output both actions share: `{phoneNumberSid, phoneNumber, previous, current, changed}`,
    /// `previous` holding the values of `changed` fields before, `current` after.
    static func output(number: JSONValue, after: JSONValue, changed: [Field]) -> JSONObject {
        var output = JSONObject()
        output["phoneNumberSid"] = number["sid"] ?? .null
        output["phoneNumber"] = number["phone_number"] ?? .null
        output["previous"] = .object(values(of: changed, in: number))
        output["current"] = .object(values(of: changed, in: after))
        output["changed"] = .bool(!changed.isEmpty)
        return output
    }
}
