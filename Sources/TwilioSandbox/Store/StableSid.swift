/// SIDs derived from a seed: the same seed gives the same SID in every process and after every
/// restart, so a resource the sandbox does not store on its own (a message's media, an account's
/// starting numbers) keeps its SID.
enum StableSid {
    /// `prefix` and 32 hexadecimal digits from two FNV-1a hashes of `seed`.
    static func make(_ prefix: String, seed: String) -> String {
        prefix + hex(fnv1a(seed, basis: 0xcbf2_9ce4_8422_2325)) + hex(fnv1a(seed, basis: 0x8422_2325_cbf2_9ce4))
    }

    /// FNV-1a (64-bit) of `text`'s UTF-8, from `basis` (FNV's offset basis by default): the
    /// sandbox's one stable hash, also the seed of Lookup's pseudo-random answers.
    static func fnv1a(_ text: String, basis: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
