import ComponentCore
import HTTPTypes

/// Twilio's IncomingPhoneNumbers resource for one authenticated account: list (filtered, paged),
/// fetch, and update of the webhooks Twilio calls for a number. Numbers are neither bought nor
/// released here: every account has its starting numbers (``StoredIncomingNumber/starting(account:)``).
struct IncomingNumbersAPI {
    let core: SandboxCore
    let account: String

    /// The URL fields an update takes, each with the number's property it sets.
    private static var urlFields: [(String, WritableKeyPath<StoredIncomingNumber, String>)] {
        [
            ("SmsUrl", \.smsURL), ("SmsFallbackUrl", \.smsFallbackURL), ("VoiceUrl", \.voiceURL),
            ("VoiceFallbackUrl", \.voiceFallbackURL), ("StatusCallback", \.statusCallback),
        ]
    }

    /// The method fields an update takes, each with the number's property it sets.
    private static var methodFields: [(String, WritableKeyPath<StoredIncomingNumber, String>)] {
        [
            ("SmsMethod", \.smsMethod), ("SmsFallbackMethod", \.smsFallbackMethod), ("VoiceMethod", \.voiceMethod),
            ("VoiceFallbackMethod", \.voiceFallbackMethod), ("StatusCallbackMethod", \.statusCallbackMethod),
        ]
    }

    /// The routing fields an update takes (an empty value clears), each with the SID prefix it
    /// takes and the number's property it sets.
    private static var routingFields: [(String, String, WritableKeyPath<StoredIncomingNumber, String?>)] {
        [
            ("VoiceApplicationSid", "AP", \.voiceApplicationSid), ("SmsApplicationSid", "AP", \.smsApplicationSid),
            ("TrunkSid", "TK", \.trunkSid),
        ]
    }

    /// Filtered by `PhoneNumber` (a part of the number; `*` matches any one digit), `FriendlyName`
    /// (exactly), `Origin` and `Beta`, in Twilio's paging envelope under `incoming_phone_numbers`.
    func list(_ query: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        var filters: [(String, String)] = []
        for name in ["Beta", "FriendlyName", "PhoneNumber", "Origin"] {
            if let filter = query.first(where: { $0.0 == name })?.1 { filters.append((name, filter)) }
        }
        func filter(_ name: String) -> String? { filters.first { $0.0 == name }?.1 }
        if let beta = filter("Beta"), beta != "true", beta != "false" {
            return .failure(.invalidParameter("Beta must be true or false, but is \(beta)."))
        }
        let matching = core.store.numbers(account: account).filter { number in
            if let pattern = filter("PhoneNumber"), !Self.number(number.phoneNumber, matches: pattern) { return false }
            if let name = filter("FriendlyName"), number.friendlyName != name { return false }
            if let origin = filter("Origin"), origin != "twilio" { return false }
            return true
        }
        return ListPage.envelope(
            key: "incoming_phone_numbers", sequences: matching.map(\.sequence), items: { range in matching[range].map(\.json) },
            query: query, filters: filters, path: path)
    }

    func fetch(sid: String, path: String) -> Result<JSONValue, TwilioAPIError> {
        guard let number = core.store.numbers(account: account).first(where: { $0.sid == sid }) else { return .failure(.notFound(path)) }
        return .success(number.json)
    }

    /// Sets the fields given (an empty URL clears it); nothing changes when any of them is invalid.
    func update(sid: String, form: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        func value(_ name: String) -> String? { form.first { $0.0 == name }?.1 }
        for (name, _) in Self.urlFields {
            if let url = value(name), !url.isEmpty, !MessagesAPI.isWebURL(url) { return .failure(Self.invalidURL(name, url)) }
        }
        for (name, _) in Self.methodFields {
            if let method = value(name), !["GET", "POST"].contains(method.uppercased()) {
                return .failure(Self.invalidMethod(name, method))
            }
        }
        for (name, prefix, _) in Self.routingFields {
            if let sid = value(name), !sid.isEmpty, !MessagesAPI.matches(sid, prefix: prefix) {
                return .failure(
                    .invalidParameter("\(name) must be \(prefix) followed by 32 hexadecimal digits (or empty to clear), but is \(sid)."))
            }
        }
        if let name = value("FriendlyName"), name.count > 64 {
            return .failure(.invalidParameter("FriendlyName must be at most 64 characters, but has \(name.count)."))
        }
        let now = core.now
        do {
            let updated = try core.store.updateNumber(account: account, sid: sid) {
                (number: inout StoredIncomingNumber) throws(TwilioAPIError) in
                for (name, property) in Self.urlFields {
                    if let url = value(name) { number[keyPath: property] = url }
                }
                for (name, property) in Self.methodFields {
                    if let method = value(name) { number[keyPath: property] = method.uppercased() }
                }
                for (name, _, property) in Self.routingFields {
                    if let sid = value(name) { number[keyPath: property] = sid.isEmpty ? nil : sid }
                }
                if let name = value("FriendlyName") { number.friendlyName = name }
                number.updatedAt = now
            }
            guard let updated else { return .failure(.notFound(path)) }
            return .success(updated.json)
        } catch {
            return .failure(error)
        }
    }

    /// Whether `phoneNumber` contains `pattern` (its digits, `*` standing for any digit).
    static func number(_ phoneNumber: String, matches pattern: String) -> Bool {
        let digits = Array(phoneNumber.filter(\.isNumber))
        let wanted = Array(pattern.filter { $0.isNumber || $0 == "*" })
        guard !wanted.isEmpty else { return pattern.isEmpty || phoneNumber == pattern }
        guard wanted.count <= digits.count else { return false }
        return (0...(digits.count - wanted.count)).contains { start in
            wanted.indices.allSatisfy { wanted[$0] == "*" || wanted[$0] == digits[start + $0] }
        }
    }

    static func invalidURL(_ field: String, _ url: String) -> TwilioAPIError {
        TwilioAPIError(code: 21402, status: 400, message: "Invalid Url: \(field) \(url) is not a valid http or https URL.")
    }

    static func invalidMethod(_ field: String, _ method: String) -> TwilioAPIError {
        TwilioAPIError(code: 21403, status: 400, message: "Invalid Method: \(field) must be GET or POST, but is \(method).")
    }
}
