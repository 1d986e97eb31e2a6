import ComponentCore
public import FoundationEssentials

/// HTTP dates (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, plus the obsolete RFC 850 and
/// asctime forms, and numeric offsets such as `+0000` (RFC 5322), which some APIs write.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The instant `text` names, or `nil`.
    public static func parse(_ text: String) -> Date? {
        if let date = parseFixed(text) { return date }
        return parseAnyForm(text)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` or `... +0000` exactly, read by position: the forms HTTP
    /// servers and most APIs write, parsed for every date of every response.
    static func parseFixed(_ text: String) -> Date? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Date? in
            guard bytes.count == 29 || bytes.count == 31, bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20, bytes[7] == 0x20,
                bytes[11] == 0x20,
                bytes[16] == 0x20, bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25] == 0x20
            else { return nil }
            func number(_ start: Int, _ count: Int) -> Int? {
                var value = 0
                for index in start..<(start + count) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            let zone = String(decoding: UnsafeBufferPointer(rebasing: bytes[26...]), as: UTF8.self)
            guard zone == "GMT" || zone == "+0000" || zone == "UTC" else { return nil }
            let monthText = String(decoding: UnsafeBufferPointer(rebasing: bytes[8..<11]), as: UTF8.self).lowercased()
            guard let monthIndex = months.firstIndex(of: monthText), let day = number(5, 2), let year = number(12, 4),
                let hour = number(17, 2), let minute = number(20, 2), let second = number(23, 2),
                ISO8601Timestamp.isValidDate(year: year, month: monthIndex + 1, day: day), hour < 24, minute < 60, second < 61
            else { return nil }
            let seconds =
                ISO8601Timestamp.daysSinceEpoch(year: year, month: monthIndex + 1, day: day) * 86_400 + hour * 3600 + minute * 60
                + min(second, 59)
            return Date(timeIntervalSince1970: Double(seconds))
        } ?? nil
    }

    /// Any of the forms, found by the shape of each token.
    static func parseAnyForm(_ text: String) -> Date? {
        // Split on spaces and commas, and dashes within a token (RFC 850's `06-Nov-94`) but not the
        // sign of an offset (`-0100`); then find day, month, year and time by shape.
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).flatMap { token -> [String] in
            if (token.hasPrefix("+") || token.hasPrefix("-")) && token.count == 5 { return [String(token)] }
            return token.split(separator: "-").map(String.init)
        }
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var offsetSeconds = 0
        for token in tokens {
            let lower = token.lowercased()
            if let index = months.firstIndex(where: { lower.hasPrefix($0) }), lower.count >= 3, month == nil, Int(token) == nil {
                month = index + 1
            } else if token.utf8.contains(UInt8(ascii: ":")) {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if (token.hasPrefix("+") || token.hasPrefix("-")) && token.count == 5, let value = Int(token.dropFirst()) {
                offsetSeconds = (token.hasPrefix("-") ? -1 : 1) * (value / 100 * 3600 + value % 100 * 60)
            } else if let number = Int(token) {
                if day == nil && number <= 31 && token.count <= 2 {
                    day = number
                } else {
                    year = number < 100 ? 1900 + number + (number < 70 ? 100 : 0) : number
                }
            }
        }
        guard let day, let month, let year, let time, ISO8601Timestamp.isValidDate(year: year, month: month, day: day),
            time.0 < 24, time.1 < 60, time.2 < 61
        else { return nil }
        let seconds =
            ISO8601Timestamp.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + time.0 * 3600 + time.1 * 60 + min(time.2, 59)
        return Date(timeIntervalSince1970: Double(seconds - offsetSeconds))
    }

    /// `date` in the IMF-fixdate form: `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func string(from date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = ISO8601Timestamp.civilDate(fromDaysSinceEpoch: days)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(Self.days[weekday]), \(two(day)) \(monthNames[month - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)) "
            + "GMT"
    }
}
