import HTTPTypes

/// Which addresses Twilio accepts in `To` and `From`, as the sandbox checks them.
enum PhoneNumberRules {
    /// `+` and 2 to 15 digits, the first not zero (E.164).
    static func isE164(_ text: Substring) -> Bool {
        guard text.first == "+" else { return false }
        let digits = text.dropFirst()
        return (2...15).contains(digits.count) && digits.first != "0" && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// A channel address such as `whatsapp:+15005550006` or `messenger:1234`.
    static func isChannelAddress(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let channel = text[..<colon]
        let address = text[text.index(after: colon)...]
        guard !channel.isEmpty, channel.allSatisfy({ $0.isASCII && $0.isLetter }), !address.isEmpty else { return false }
        return channel.lowercased() == "whatsapp" || channel.lowercased() == "sms" ? isE164(address) : true
    }

    /// A valid `To`: E.164 or a channel address.
    static func isValidTo(_ text: String) -> Bool { isE164(Substring(text)) || isChannelAddress(text) }

    /// A valid `From`: also a short code (3 to 8 digits) or an alphanumeric sender ID (up to 11
    /// letters, digits, spaces, `-`, `_`, `&`, `.`, with at least one letter).
    static func isValidFrom(_ text: String) -> Bool {
        if isValidTo(text) { return true }
        if (3...8).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        guard (1...11).contains(text.count), text.contains(where: { $0.isASCII && $0.isLetter }) else { return false }
        return text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || " -_&.".contains($0) }
    }
}

/// Twilio's test numbers and what each does on a create (checked `From` first, then `To`).
enum MagicNumbers {
    static let validFrom = "+15005550006"

    /// The error a magic `From` causes.
    static func fromError(_ from: String) -> TwilioAPIError? {
        switch from {
        case "+15005550001": .invalidFrom(from)
        case "+15005550007": .fromNotOwned(from)
        case "+15005550008": .queueFull(from)
        default: nil
        }
    }

    /// The error a magic `To` causes.
    static func toError(_ to: String) -> TwilioAPIError? {
        switch to {
        case "+15005550001": .invalidTo(to)
        case "+15005550002":
            TwilioAPIError(
                code: 21612, status: 400,
                message: "The 'To' phone number: \(to), is not currently reachable using the 'From' phone number via SMS.")
        case "+15005550003":
            TwilioAPIError(
                code: 21408, status: 400,
                message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: \(to).")
        case "+15005550004": TwilioAPIError(code: 21610, status: 400, message: "Attempt to send to unsubscribed recipient")
        case "+15005550009": TwilioAPIError(code: 21614, status: 400, message: "'To' number is not a valid mobile number")
        default: nil
        }
    }
}
