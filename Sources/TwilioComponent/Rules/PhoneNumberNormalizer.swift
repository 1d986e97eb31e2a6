import Foundation

/// Turns what people type into the addresses Twilio accepts, before any request is made.
///
/// - E.164 (`+14155550100`) passes through; spaces, dots, dashes and parentheses are ignored.
/// - `00` followed by digits is the international prefix: `0044...` is `+44...`.
/// - National digits get the default country code: `5551234567` with 1 is `+15551234567`; with
///   another code a leading trunk `0` is dropped (`07911123456` with 44 is `+447911123456`).
///   Digits that already start with the country code and are long enough keep it.
/// - Channel addresses (`whatsapp:+14155550100`, `messenger:123`) keep their prefix; a phone
///   number after `whatsapp:` or `sms:` is normalised the same way.
/// - From only: short codes (3 to 8 digits) and alphanumeric sender IDs (up to 11 letters, digits
///   and spaces, with a letter) pass through untouched.
/// Anything else is refused with a sentence saying how to write the number.
enum PhoneNumberNormalizer {
    enum Role { case to, from, filter }

    struct Refusal: Error {
        var reason: String
    }

    static func normalize(_ raw: String, role: Role, defaultCountryCode: String) -> Result<String, Refusal> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .failure(Refusal(reason: "is empty")) }

        if let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy({ $0.isASCII && $0.isLetter }), colon != text.startIndex {
            let channel = text[..<colon].lowercased()
            let address = String(text[text.index(after: colon)...])
            guard !address.isEmpty else { return .failure(Refusal(reason: "has a channel prefix '\(channel):' but no address after it")) }
            guard channel == "whatsapp" || channel == "sms" else { return .success(channel + ":" + address) }
            return number(address, role: .to, defaultCountryCode: defaultCountryCode).map { channel + ":" + $0 }
        }
        if role != .to, isAlphanumericSenderID(text) { return .success(text) }
        return number(text, role: role, defaultCountryCode: defaultCountryCode)
    }

    private static func number(_ text: String, role: Role, defaultCountryCode: String) -> Result<String, Refusal> {
        let separators: Set<Character> = [" ", "-", ".", "(", ")", "/"]
        var digits = text.filter { !separators.contains($0) }
        var international = false
        if digits.hasPrefix("+") {
            international = true
            digits.removeFirst()
        } else if digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(Refusal(reason: "is not a phone number"))
        }
        if international {
            guard digits.first != "0", (8...15).contains(digits.count) else {
                return .failure(
                    Refusal(reason: "is not a valid international number (E.164 has a + and 8 to 15 digits, not starting with 0)"))
            }
            return .success("+" + digits)
        }
        if role != .to, (3...8).contains(digits.count) { return .success(digits) }  // a short code
        guard digits.count >= 6 else {
            return .failure(Refusal(reason: "is too short to be a phone number"))
        }
        var national = Substring(digits)
        if digits.hasPrefix(defaultCountryCode), digits.count - defaultCountryCode.count >= (defaultCountryCode == "1" ? 10 : 8) {
            national = national.dropFirst(defaultCountryCode.count)  // the country code is already there
        } else if defaultCountryCode != "1", national.first == "0" {
            national = national.dropFirst()  // the national trunk prefix
        }
        let full = defaultCountryCode + national
        if defaultCountryCode == "1", national.count != 10 {
            return .failure(Refusal(reason: "has \(national.count) digits, but a US or Canadian number has 10 (or 11 with a leading 1)"))
        }
        guard (8...15).contains(full.count) else {
            return .failure(
                Refusal(
                    reason:
                        "does not make a valid number with country code \(defaultCountryCode) (+\(full) has \(full.count) digits; E.164 allows 8 to 15)"
                ))
        }
        return .success("+" + full)
    }

    /// Up to 11 letters, digits and spaces with at least one letter: a sender name such as `Acme Inc`.
    static func isAlphanumericSenderID(_ text: String) -> Bool {
        guard (1...11).contains(text.count), text.contains(where: { $0.isASCII && $0.isLetter }) else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
    }
}
