/// How many SMS segments a body takes, by GSM 03.38 / UCS-2 rules, as the sandbox reports it in
/// `num_segments`. Stated here on its own (the component has its own copy) so that one shared
/// mistake cannot pass both sides.
enum SegmentCounter {
    /// The encoding a body needs.
    enum Encoding: String {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    // GSM 03.38 basic table (one septet each) and extension table (escape + code: two septets).
    private static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    private static let extended: Set<Character> = Set("\u{0C}^{}\\[~]|€")

    /// The encoding: GSM-7 when every character is in the GSM tables, else UCS-2.
    static func encoding(of body: String) -> Encoding {
        body.allSatisfy { basic.contains($0) || extended.contains($0) } ? .gsm7 : .ucs2
    }

    /// The number of segments (1 for an empty body).
    static func segments(of body: String) -> Int {
        let encoding = encoding(of: body)
        // Cost of each character, in septets (GSM-7) or UTF-16 units (UCS-2); characters are never split.
        let costs: [Int] = body.map { character in
            switch encoding {
            case .gsm7: extended.contains(character) ? 2 : 1
            case .ucs2: character.utf16.count
            }
        }
        let single = encoding == .gsm7 ? 160 : 70
        let perSegment = encoding == .gsm7 ? 153 : 67
        let total = costs.reduce(0, +)
        guard total > single else { return 1 }
        var segments = 1
        var used = 0
        for cost in costs {
            if used + cost > perSegment {
                segments += 1
                used = 0
            }
            used += cost
        }
        return segments
    }
}
