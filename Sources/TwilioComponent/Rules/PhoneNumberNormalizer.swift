/// Turns what people type into the addresses Twilio accepts, before any request is made.
///
/// - E.164 (`+14155550100`) passes through; spaces, dots, dashes and parentheses are ignored.
/// - `00` followed by digits is the international prefix: `0044...` is `+44...`.
/// - National digits get the default country code: `5551234567` with 1 is `+15551234567`; with
///   another code a leading trunk `0` is dropped (`07911123456` with 44 is `+447911123456`).
///   Digits that already start with the country code and are long enough keep it.
/// - Channel addresses (`whatsapp:+14155550100`, `messenger:123`, and a call's `client:bob` and
///   `sip:alice@example.com`) keep what follows their prefix as given, the prefix lowercased as
///   Twilio stores it (`Client:Bob` is `client:Bob`); one with nothing after its prefix is
///   refused. A phone number after `whatsapp:` or `sms:` is normalised the same way.
/// - From only: short codes (3 to 8 digits) and alphanumeric sender IDs (up to 11 letters, digits
///   and spaces, with a letter) pass through untouched.
/// Anything else is refused with a sentence saying how to write the number.
enum PhoneNumberNormalizer {
    enum Role { case to, from, filter }

    struct Refusal: Error {
        var reason: String
    }

    static func normalize(_ raw: String, role: Role, defaultCountryCode: String) -> Result<String, Refusal> {
        // Read as bytes: every form accepted is ASCII, and this runs for each address of each send.
        let text = trimmingSpaces(raw)
        guard !text.isEmpty else { return .failure(Refusal(reason: "is empty")) }
        let bytes = text.utf8

        if let colon = channelColon(in: text) {
            let channel = String(text[..<colon]).lowercased()
            let address = String(text[text.index(after: colon)...])
            guard !address.isEmpty else { return .failure(Refusal(reason: "has a channel prefix '\(channel):' but no address after it")) }
            guard channel == "whatsapp" || channel == "sms" else { return .success(channel + ":" + address) }
            return number(address.utf8, role: .to, defaultCountryCode: defaultCountryCode).map { channel + ":" + $0 }
        }
        if role != .to, isAlphanumericSenderID(bytes) { return .success(String(text)) }
        return number(bytes, role: role, defaultCountryCode: defaultCountryCode)
    }

    /// The channel of an address (`client` for `Client:Bob`), lowercased; `nil` for a phone
    /// number or a sender ID.
    static func channel(of raw: String) -> String? {
        let text = trimmingSpaces(raw)
        return channelColon(in: text).map { String(text[..<$0]).lowercased() }
    }

    /// The colon ending a channel prefix (ASCII letters before it), if `text` has one.
    private static func channelColon(in text: Substring) -> Substring.Index? {
        let bytes = text.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon != bytes.startIndex,
            bytes[..<colon].allSatisfy(isASCIILetter)
        else { return nil }
        return colon
    }

    private static func number(_ text: some Collection<UInt8>, role: Role, defaultCountryCode: String) -> Result<String, Refusal> {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        for byte in text where !separators.contains(byte) { digits.append(byte) }
        var international = false
        if digits.first == UInt8(ascii: "+") {
            international = true
            digits.removeFirst()
        } else if digits.starts(with: [UInt8(ascii: "0"), UInt8(ascii: "0")]) {
            international = true
            digits.removeFirst(2)
        }
        guard !digits.isEmpty, digits.allSatisfy(isASCIIDigit) else {
            return .failure(Refusal(reason: "is not a phone number"))
        }
        if international {
            guard digits.first != UInt8(ascii: "0"), (8...15).contains(digits.count) else {
                return .failure(
                    Refusal(reason: "is not a valid international number (E.164 has a + and 8 to 15 digits, not starting with 0)"))
            }
            return .success("+" + String(decoding: digits, as: UTF8.self))
        }
        if role != .to, (3...8).contains(digits.count) { return .success(String(decoding: digits, as: UTF8.self)) }  // a short code
        guard digits.count >= 6 else {
            return .failure(Refusal(reason: "is too short to be a phone number"))
        }
        let countryCode = Array(defaultCountryCode.utf8)
        var national = digits[...]
        if digits.starts(with: countryCode), digits.count - countryCode.count >= (defaultCountryCode == "1" ? 10 : 8) {
            national = national.dropFirst(countryCode.count)  // the country code is already there
        } else if defaultCountryCode != "1", national.first == UInt8(ascii: "0") {
            national = national.dropFirst()  // the national trunk prefix
        }
        let full = defaultCountryCode + String(decoding: national, as: UTF8.self)
        if defaultCountryCode == "1", national.count != 10 {
            return .failure(Refusal(reason: "has \(national.count) digits, but a US or Canadian number has 10 (or 11 with a leading 1)"))
        }
        let length = full.utf8.count
        guard (8...15).contains(length) else {
            return .failure(
                Refusal(
                    reason:
                        "does not make a valid number with country code \(defaultCountryCode) (+\(full) has \(length) digits; E.164 allows 8 to 15)"
                ))
        }
        return .success("+" + full)
    }

    /// Up to 11 letters, digits and spaces with at least one letter: a sender name such as `Acme Inc`.
    static func isAlphanumericSenderID(_ text: some Collection<UInt8>) -> Bool {
        (1...11).contains(text.count) && text.contains(where: isASCIILetter)
            && text.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) || $0 == UInt8(ascii: " ") }
    }

    /// What people put between digits: spaces, dashes, dots, parentheses, slashes.
    private static let separators: Set<UInt8> = [
        UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "/"),
    ]

    private static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

    private static func isASCIIDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `text` without the spaces and tabs around it (Unicode's space separators too, as
    /// Foundation's `.whitespaces` has them).
    private static func trimmingSpaces(_ text: String) -> Substring {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || (!scalar.isASCII && scalar.properties.generalCategory == .spaceSeparator)
        }
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isSpace(scalars[start]) { scalars.formIndex(after: &start) }
        while end > start, isSpace(scalars[scalars.index(before: end)]) { scalars.formIndex(before: &end) }
        return text[start..<end]
    }
}
