public import Foundation

/// HTTP dates (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, plus the obsolete RFC 850 and
/// asctime forms, and the `+0000` offset Twilio writes.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The instant `text` names, or `nil`.
    public static func parse(_ text: String) -> Date? {
        // Split on spaces, commas and dashes; then find day, month, year and time by shape.
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        var offsetSeconds = 0
        for token in tokens {
            let lower = token.lowercased()
            if let index = months.firstIndex(where: { lower.hasPrefix($0) }), lower.count >= 3, month == nil, Int(token) == nil {
                month = index + 1
            } else if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if (token.hasPrefix("+") || token.hasPrefix("-")) && token.count == 5, let value = Int(token.dropFirst()) {
                offsetSeconds = (token.hasPrefix("-") ? -1 : 1) * (value / 100 * 3600 + value % 100 * 60)
            } else if let number = Int(token) {
                if day == nil && number <= 31 && token.count <= 2 { day = number } else { year = number < 100 ? 1900 + number + (number < 70 ? 100 : 0) : number }
            }
        }
        guard let day, let month, let year, let time, ISO8601Timestamp.isValidDate(year: year, month: month, day: day),
            time.0 < 24, time.1 < 60, time.2 < 61
        else { return nil }
        let seconds = ISO8601Timestamp.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + time.0 * 3600 + time.1 * 60 + min(time.2, 59)
        return Date(timeIntervalSince1970: Double(seconds - offsetSeconds))
    }

    /// `date` in the IMF-fixdate form with `GMT`, or with `+0000` when `twilioStyle` (RFC 2822, as Twilio writes).
    public static func string(from date: Date, twilioStyle: Bool = false) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = ISO8601Timestamp.civilDate(fromDaysSinceEpoch: days)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(Self.days[weekday]), \(two(day)) \(monthNames[month - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60)) "
            + (twilioStyle ? "+0000" : "GMT")
    }
}
