/// `application/x-www-form-urlencoded`, as the sandbox reads request bodies and query strings and
/// writes webhook bodies and the query part of the URIs it answers with. The sandbox's own code,
/// so that a mistake in the component's form handling is caught by the sandbox, not shared with it.
enum URLEncodedForm {
    /// The fields of a form body or query string, in order, repeated names kept: `+` read as a
    /// space, `%XX` decoded. Read leniently, as the WHATWG URL standard (and Python's
    /// `parse_qsl`) does: a `%` not followed by two hex digits stays as it is, and bytes that are
    /// not UTF-8 become U+FFFD, so a sloppy client gets its parameters checked, not dropped.
    static func fields(_ bytes: some Collection<UInt8>) -> [(String, String)] {
        bytes.split(separator: UInt8(ascii: "&")).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecode(parts[0], plusAsSpace: true), parts.count > 1 ? percentDecode(parts[1], plusAsSpace: true) : "")
        }
    }

    /// A form body: fields in order, repeated names kept, spaces as `+`.
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { percentEncode($0.0, spaceAsPlus: true) + "=" + percentEncode($0.1, spaceAsPlus: true) }.joined(separator: "&")
    }

    /// `text` with every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) written
    /// `%XX`: safe as a query name or value (a phone number's `+` travels as `%2B`).
    static func percentEncode(_ text: String, spaceAsPlus: Bool = false) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " ") where spaceAsPlus:
                output += "+"
            default:
                output += "%"
                output.unicodeScalars.append(upperHexDigits[Int(byte >> 4)])
                output.unicodeScalars.append(upperHexDigits[Int(byte & 0x0F)])
            }
        }
        return output
    }

    /// `bytes` with `%XX` escapes decoded (and `+` as a space when asked), leniently as ``fields(_:)`` says.
    static func percentDecode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool = false) -> String {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte == UInt8(ascii: "%"), index != bytes.endIndex, let high = hexValue(bytes[index]) {
                let next = bytes.index(after: index)
                if next != bytes.endIndex, let low = hexValue(bytes[next]) {
                    decoded.append(high << 4 | low)
                    index = bytes.index(after: next)
                    continue
                }
            }
            decoded.append(byte == UInt8(ascii: "+") && plusAsSpace ? UInt8(ascii: " ") : byte)
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static let upperHexDigits: [Unicode.Scalar] = Array("0123456789ABCDEF".unicodeScalars)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
