import Foundation

/// What two send options do to a message's body before it is stored, as Twilio does it.
enum SendOptions {
    /// Smart Encoding: Unicode look-alikes of GSM-7 characters replaced by those characters (and
    /// invisible spaces dropped), so that a body pasted from a word processor stays GSM-7.
    static func smartEncoded(_ body: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in body.unicodeScalars {
            if let replacement = lookAlikes[scalar] {
                result.append(contentsOf: replacement.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    private static let lookAlikes: [Unicode.Scalar: String] = {
        var table: [Unicode.Scalar: String] = [:]
        for scalar in "«»“”„‟″˝＂".unicodeScalars { table[scalar] = "\"" }
        for scalar in "‘’‚‛′ʹʻʼʽ＇".unicodeScalars { table[scalar] = "'" }
        for scalar in "‐‑‒–—―⁃−﹘﹣－".unicodeScalars { table[scalar] = "-" }
        for value in [
            0x00A0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000,
        ] {
            table[Unicode.Scalar(UInt32(value))!] = " "
        }
        for value in [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF] { table[Unicode.Scalar(UInt32(value))!] = "" }
        table["…"] = "..."
        table["‹"] = "<"
        table["›"] = ">"
        table["⁄"] = "/"
        return table
    }()

    /// The sandbox's Link Shortening domain.
    static let shortLinkPrefix = "https://sbx.link/"

    /// Link Shortening: each http(s) link in the body replaced by a short link on the Messaging
    /// Service's domain (ten letters and digits after it).
    static func shortenedLinks(_ body: String) -> String {
        var result = ""
        var rest = body[...]
        while let start = rest.range(of: "http", options: [.caseInsensitive]) {
            let candidate = rest[start.lowerBound...]
            let end = candidate.firstIndex(where: { $0.isWhitespace }) ?? candidate.endIndex
            let link = candidate[..<end]
            result += rest[..<start.lowerBound]
            if link.lowercased().hasPrefix("http://") || link.lowercased().hasPrefix("https://") {
                result += shortLinkPrefix + String((0..<10).map { _ in alphabet.randomElement()! })
            } else {
                result += link
            }
            rest = candidate[end...]
        }
        return result + rest
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}
