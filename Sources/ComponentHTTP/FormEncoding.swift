/// Percent-encoding for URLs and `application/x-www-form-urlencoded` bodies.
public enum FormEncoding {
    /// `text` with every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) written `%XX`.
    /// Safe for query names and values (so `+` in a phone number travels as `%2B`).
    public static func percentEncode(_ text: String, spaceAsPlus: Bool = false) -> String {
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
                output.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                output.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return output
    }

    private static let hexDigits: [Unicode.Scalar] = Array("0123456789ABCDEF".unicodeScalars)

    /// A query string: names and values percent-encoded (a space as `%20`), in order, repeated names kept.
    public static func encodeQuery(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    /// An `application/x-www-form-urlencoded` body: fields in order, repeated names kept, spaces as `+`.
    public static func encodeForm(_ fields: [(String, String)]) -> String {
        fields.map { percentEncode($0.0, spaceAsPlus: true) + "=" + percentEncode($0.1, spaceAsPlus: true) }.joined(separator: "&")
    }

    /// The fields of a form body or query string, in order: `+` read as a space, `%XX` decoded.
    /// Returns `nil` when an escape is malformed or the bytes are not UTF-8.
    public static func decodeForm(_ text: String) -> [(String, String)]? {
        guard !text.isEmpty else { return [] }
        var fields: [(String, String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusAsSpace: true) else { return nil }
            let value = parts.count > 1 ? percentDecode(parts[1], plusAsSpace: true) : ""
            guard let value else { return nil }
            fields.append((name, value))
        }
        return fields
    }

    /// `text` with `%XX` escapes decoded (and `+` as a space when asked); `nil` when malformed.
    public static func percentDecode(_ text: Substring, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
