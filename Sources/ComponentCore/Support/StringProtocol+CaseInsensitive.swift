extension StringProtocol {
    /// Whether the two are equal ignoring case, as header names and such compare.
    package func equalsIgnoringCase(_ other: some StringProtocol) -> Bool {
        // The usual case, ASCII, compared without allocating.
        if utf8.count == other.utf8.count, utf8.allSatisfy({ $0 < 0x80 }) {
            return zip(utf8, other.utf8).allSatisfy { a, b in
                a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
            }
        }
        return lowercased() == other.lowercased()
    }
}
