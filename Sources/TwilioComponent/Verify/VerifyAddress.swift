import ComponentCore
import FoundationEssentials

/// The `To` of a verification as Verify takes it: a phone number in E.164 for the sms, call and
/// whatsapp channels (Verify does not guess a country), an email address for the email channel.
enum VerifyAddress {
    /// How to write each kind, for the sentences refusing one.
    static let phoneForm = "write it in E.164: + then the country code and number, such as +14155550100"
    static let emailForm = "write an email address such as ada@example.com"

    /// `raw` in E.164, spaces, dots, dashes and parentheses dropped; `nil` when it is not one.
    static func phoneNumber(_ raw: String) -> String? {
        let kept = raw.filter { !" .-()\t".contains($0) }
        guard kept.first == "+" else { return nil }
        let digits = kept.dropFirst()
        guard (7...15).contains(digits.count), digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return kept
    }

    /// `raw` trimmed when it looks like an email address (one `@`, a dotted domain, no spaces).
    static func email(_ raw: String) -> String? {
        let text = raw.trimmingSpaces()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !text.contains(where: \.isWhitespace)
        else { return nil }
        return text
    }

    /// The To for `channel` (`nil`: either kind, as a check takes), or a sentence saying what is wrong.
    static func to(_ raw: String, channel: String?) -> Result<String, Refusal> {
        switch channel {
        case "email"?:
            return email(raw).map { .success($0) }
                ?? .failure(Refusal(reason: "'\(raw)' is not an email address, which the email channel needs; \(emailForm)."))
        case nil:
            if let number = phoneNumber(raw) ?? email(raw) { return .success(number) }
            return .failure(
                Refusal(
                    reason:
                        "'\(raw)' is neither a phone number in E.164 nor an email address; \(phoneForm), or give the email the code went to."
                ))
        case let channel?:
            return phoneNumber(raw).map { .success($0) }
                ?? .failure(Refusal(reason: "'\(raw)' is not a phone number in E.164, which the \(channel) channel needs; \(phoneForm)."))
        }
    }

    struct Refusal: Error {
        var reason: String
    }
}
