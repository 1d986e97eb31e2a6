import Crypto
import Foundation

/// Verification codes: made at random, compared in constant time, and sealed before they are
/// written to the state file, so that a scan of what the sandbox writes finds no code in it.
enum VerificationCode {
    /// `length` random decimal digits.
    static func generate(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// Whether `given` is `code`, in time that does not depend on where they differ.
    static func matches(_ given: String, _ code: String) -> Bool {
        let left = Array(given.utf8)
        let right = Array(code.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// `code` encrypted (AES-GCM) under `key`, as base64.
    static func seal(_ code: String, key: SymmetricKey) -> String? {
        guard let box = try? AES.GCM.seal(Data(code.utf8), using: key), let combined = box.combined else { return nil }
        return combined.base64EncodedString()
    }

    /// The code ``seal(_:key:)`` sealed; `nil` when it was sealed under another key.
    static func open(_ sealed: String, key: SymmetricKey) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(data: plain, encoding: .utf8)
    }

    /// The sealing key of a state file: HKDF-SHA256 of the random key kept beside it
    /// (``VerifyKeyFile``), so that the file alone, or the Auth Token, does not open its codes.
    static func sealingKey(fileKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey, salt: Data("twilio-sandbox".utf8), info: Data("verification codes v1".utf8), outputByteCount: 32)
    }
}
