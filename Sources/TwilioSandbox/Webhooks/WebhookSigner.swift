import Crypto
import Foundation

/// Signs webhook requests the way Twilio does (`X-Twilio-Signature`): HMAC-SHA1 with the account's
/// Auth Token over the URL followed by every parameter name and value, names sorted by code point,
/// each name's distinct values sorted. Stated here on its own; the component validates with its own
/// implementation, and both are held to the official `twilio` package in tests.
enum WebhookSigner {
    static func signature(url: String, parameters: [(String, String)], authToken: String) -> String {
        var grouped: [String: Set<String>] = [:]
        for (name, value) in parameters { grouped[name, default: []].insert(value) }
        var text = url
        for name in grouped.keys.sorted(by: codePointOrder) {
            for value in grouped[name]!.sorted(by: codePointOrder) {
                text += name + value
            }
        }
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(authToken.utf8)))
        return Data(code).base64EncodedString()
    }

    /// Python's string order: by Unicode code point, not by Swift's canonical ordering.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
    }
}
