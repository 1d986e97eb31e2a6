import Crypto
import Foundation

/// The random key that seals a Verify state file's codes, in its own file (`<state>.verify.key`)
/// readable by its owner only (0600). Made on first use; called with the state file's lock held,
/// so two processes starting together make one key.
enum VerifyKeyFile {
    static let keyBytes = 32

    /// The key at `path`, made (random) when there is none.
    /// - Throws: ``SandboxStateError`` when the file exists but is not a key, or cannot be made.
    static func loadOrCreate(_ path: String) throws(SandboxStateError) -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SandboxStateError(path: path, reason: "it cannot be read (check its permissions)")
            }
            guard data.count == keyBytes else {
                throw SandboxStateError(path: path, reason: "it holds \(data.count) bytes, not a \(keyBytes)-byte key")
            }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw SandboxStateError(path: path, reason: "it cannot be created (errno \(errno); check the directory's permissions)")
        }
        defer { close(descriptor) }
        let written = key.withUnsafeBytes { bytes in write(descriptor, bytes.baseAddress, bytes.count) }
        guard written == keyBytes else {
            unlink(path)
            throw SandboxStateError(path: path, reason: "the key could not be written (errno \(errno))")
        }
        return key
    }
}
