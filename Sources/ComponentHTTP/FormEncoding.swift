/// Percent-encoding for URLs and `application/x-www-form-urlencoded` bodies.
public enum FormEncoding {
    /// `text` with every byte outside RFC 3986's unreserved set (`A-Z a-z 0-9 - . _ ~`) written `%XX`.
    /// Safe for query names and values (so `+` in a phone number travels as `%2B`).
    public static func percentEncode(_ text: String, spaceAsPlus: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        append(text, to: &output, spaceAsPlus: spaceAsPlus)
        return String(decoding: output, as: UTF8.self)
    }

    /// A query string: names and values percent-encoded (a space as `%20`), in order, repeated names kept.
    public static func encodeQuery(_ pairs: [(String, String)]) -> String {
        String(decoding: encodePairs(pairs, spaceAsPlus: false), as: UTF8.self)
    }

    /// An `application/x-www-form-urlencoded` body: fields in order, repeated names kept, spaces as `+`.
    public static func encodeForm(_ fields: [(String, String)]) -> String {
        String(decoding: formBytes(fields), as: UTF8.self)
    }

    /// The same body as ``encodeForm(_:)``, as the bytes a request sends.
    public static func formBytes(_ fields: [(String, String)]) -> [UInt8] {
        encodePairs(fields, spaceAsPlus: true)
    }

    // Built as bytes: appending to a String piece by piece cost more than the encoding itself.
    private static func encodePairs(_ pairs: [(String, String)], spaceAsPlus: Bool) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 } * 2)
        for (offset, pair) in pairs.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: "&")) }
            append(pair.0, to: &output, spaceAsPlus: spaceAsPlus)
            output.append(UInt8(ascii: "="))
            append(pair.1, to: &output, spaceAsPlus: spaceAsPlus)
        }
        return output
    }

    private static func append(_ text: String, to output: inout [UInt8], spaceAsPlus: Bool) {
        var text = text
        text.withUTF8 { bytes in
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    output.append(byte)
                case UInt8(ascii: " ") where spaceAsPlus:
                    output.append(UInt8(ascii: "+"))
                default:
                    output.append(UInt8(ascii: "%"))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

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
