import Foundation

/// The files a sandbox keeps for one `--state` path: the messages and numbers in the path itself,
/// calls and recordings, Verify's services and verifications with the key their codes are sealed
/// under, each beside it, and the lock file of each.
enum StateFiles {
    static let voiceSuffix = ".voice.json"
    static let verifySuffix = ".verify.json"
    static let verifyKeySuffix = ".verify.key"

    /// Every file kept for `stateFile`, itself first.
    static func all(_ stateFile: String) -> [String] {
        let files = [stateFile, stateFile + voiceSuffix, stateFile + verifySuffix, stateFile + verifyKeySuffix]
        return files + files.map { $0 + ".lock" }
    }
}

extension TwilioSandbox {
    /// Removes the state a sandbox keeps for `stateFile` (`--reset-state`): messages, numbers,
    /// calls, recordings and Verify's records with their key. Missing files are fine.
    public static func removeState(stateFile: String) {
        for file in StateFiles.all(stateFile) { try? FileManager.default.removeItem(atPath: file) }
    }
}
