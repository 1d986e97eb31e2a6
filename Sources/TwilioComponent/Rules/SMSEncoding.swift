/// How Twilio will encode and split a message body, for dry runs. Stated here on its own (the
/// sandbox has its own copy) so that one mistake cannot pass both sides unseen.
///
/// GSM-7 applies when every character is in the GSM 03.38 default alphabet or its extension table
/// (which costs two septets: escape + code); otherwise the whole body is UCS-2, counted in UTF-16
/// code units. One segment holds 1,120 bits: 160 septets or 70 units. Longer bodies carry a 48-bit
/// header in each segment, leaving 153 septets or 67 units, and a character never straddles two.
struct SMSEncoding {
    enum Scheme: String {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    let scheme: Scheme
    /// Septets (GSM-7) or UTF-16 units (UCS-2) per character, in order.
    let costs: [Int]

    private static let defaultAlphabet: [Unicode.Scalar] = Array(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1B}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
            .unicodeScalars)
    private static let extensionTable: [Unicode.Scalar] = ["\u{0C}", "^", "{", "}", "\\", "[", "~", "]", "|", "€"]

    init(_ body: String) {
        var septets: [Int] = []
        var isGSM = true
        for character in body {
            // A character made of several scalars (an emoji with modifiers, a combining accent) is never GSM.
            guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first, scalar != "\u{1B}" else {
                isGSM = false
                break
            }
            if Self.defaultAlphabet.contains(scalar) {
                septets.append(1)
            } else if Self.extensionTable.contains(scalar) {
                septets.append(2)
            } else {
                isGSM = false
                break
            }
        }
        if isGSM {
            scheme = .gsm7
            costs = septets
        } else {
            scheme = .ucs2
            costs = body.map { $0.utf16.count }
        }
    }

    /// How many segments the body needs (1 for an empty body).
    var segments: Int {
        let (single, multi) = scheme == .gsm7 ? (160, 153) : (70, 67)
        guard costs.reduce(0, +) > single else { return 1 }
        var count = 1
        var room = multi
        for cost in costs {
            if cost > room {
                count += 1
                room = multi
            }
            room -= cost
        }
        return count
    }
}

extension SMSEncoding {
    /// `body` as Twilio sends it with Smart Encoding on: look-alikes of GSM-7 characters (curly
    /// quotes, long dashes, the ellipsis, wide and invisible spaces) replaced, so that the dry run
    /// counts the segments Twilio will.
    static func smartEncoded(_ body: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in body.unicodeScalars {
            switch scalar.value {
            case 0x00AB, 0x00BB, 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x02DD, 0xFF02: scalars.append("\"")
            case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x02B9, 0x02BB, 0x02BC, 0x02BD, 0xFF07: scalars.append("'")
            case 0x2010...0x2015, 0x2043, 0x2212, 0xFE58, 0xFE63, 0xFF0D: scalars.append("-")
            case 0x00A0, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: scalars.append(" ")
            case 0x200B...0x200D, 0x2060, 0xFEFF: continue
            case 0x2026: scalars.append(contentsOf: "...".unicodeScalars)
            case 0x2039: scalars.append("<")
            case 0x203A: scalars.append(">")
            case 0x2044: scalars.append("/")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
