import Crypto
import Foundation

/// SendGrid's Signed Event Webhook: an ECDSA P-256 signature (SHA-256, DER, base64) over the
/// timestamp header's text followed by the body's bytes, exactly as received.
enum EventWebhookSignature {
    static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"

    /// Why a verification key cannot be used.
    struct KeyProblem: Error {
        var reason: String
    }

    /// The key SendGrid shows for the webhook: base64 of a DER SubjectPublicKeyInfo (the usual
    /// form, `MFkw...`), the same as PEM, or base64 of a bare X9.63 point.
    static func publicKey(_ text: String) throws(KeyProblem) -> P256.Signing.PublicKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            guard let key = try? P256.Signing.PublicKey(pemRepresentation: trimmed) else {
                throw KeyProblem(reason: "is PEM, but not of an ECDSA P-256 public key")
            }
            return key
        }
        guard let bytes = Data(base64Encoded: trimmed.filter { !$0.isWhitespace }) else {
            throw KeyProblem(reason: "is not base64 text (SendGrid shows the key as base64 starting MFkw...)")
        }
        if let key = try? P256.Signing.PublicKey(derRepresentation: bytes) { return key }
        if let key = try? P256.Signing.PublicKey(x963Representation: bytes) { return key }
        throw KeyProblem(reason: "is base64, but not of an ECDSA P-256 public key (SendGrid's starts MFkw...)")
    }

    /// Whether `signature` (base64 DER) signs `timestamp` followed by `body` with `key`.
    static func isValid(signature: String, timestamp: String, body: Data, key: P256.Signing.PublicKey) -> Bool {
        guard let der = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)),
            let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { return false }
        var signed = Data(timestamp.utf8)
        signed.append(body)
        return key.isValidSignature(parsed, for: signed)
    }
}
