import Foundation

/// Twilio's dates: `Thu, 24 Aug 2023 05:01:45 +0000` (RFC 2822), as its API writes them and
/// clients send them back in filters. The sandbox's own code on the C library's `gmtime_r`,
/// `timegm` and `strftime`, so that a mistake in the component's date handling is caught by the
/// sandbox, not shared with it.
enum TwilioDate {
    /// `seconds` since 1970 as Twilio writes it, in UTC with `+0000`.
    static func string(fromUnixSeconds seconds: Double) -> String {
        format(seconds, "%a, %d %b %Y %H:%M:%S +0000")
    }

    /// `seconds` since 1970 as HTTP's `Date` header has it (IMF-fixdate, RFC 9110):
    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpString(fromUnixSeconds seconds: Double) -> String {
        format(seconds, "%a, %d %b %Y %H:%M:%S GMT")
    }

    private static func format(_ seconds: Double, _ pattern: String) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        // strftime's %a and %b are the C locale's English names: the process never sets a locale.
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The instant `text` names in RFC 2822's form, `[Sun, ]06 Nov 1994 08:49[:37] ZONE`, where the
    /// zone is `GMT`, `UT`, `UTC`, `Z` or an offset such as `+0000` or `-0800` (so HTTP's dates
    /// are read too); `nil` for anything else, a date that does not exist (`31 Feb`), or a
    /// weekday that is not the date's.
    static func date(from text: String) -> Date? {
        var tokens = text.split(separator: " ")[...]
        var weekday: Int?
        if let first = tokens.first, first.hasSuffix(",") {
            guard let index = weekdays.firstIndex(of: first.dropLast().lowercased()) else { return nil }
            weekday = index
            tokens = tokens.dropFirst()
        }
        let fields = Array(tokens)
        guard fields.count == 5, let day = number(fields[0], digits: 1...2), let month = months.firstIndex(of: fields[1].lowercased()),
            let year = number(fields[2], digits: 4...4), let clock = timeOfDay(fields[3]), let offset = offsetSeconds(fields[4])
        else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(clock.hour)
        parts.tm_min = Int32(clock.minute)
        parts.tm_sec = Int32(min(clock.second, 59))  // a leap second (60) is read as the second before it
        var seconds = timegm(&parts)
        // timegm moves a day past the month's end into the next month: such a date does not exist.
        var check = tm()
        gmtime_r(&seconds, &check)
        guard check.tm_mday == parts.tm_mday, check.tm_mon == parts.tm_mon, weekday.map({ $0 == Int(check.tm_wday) }) ?? true else {
            return nil
        }
        return Date(timeIntervalSince1970: Double(seconds) - Double(offset))
    }

    private static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `HH:MM` or `HH:MM:SS`, two digits each, within a day.
    private static func timeOfDay(_ text: Substring) -> (hour: Int, minute: Int, second: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let hour = number(parts[0], digits: 2...2), hour < 24,
            let minute = number(parts[1], digits: 2...2), minute < 60
        else { return nil }
        guard parts.count == 3 else { return (hour, minute, 0) }
        guard let second = number(parts[2], digits: 2...2), second <= 60 else { return nil }
        return (hour, minute, second)
    }

    /// The zone's offset east of UTC in seconds: `GMT`, `UT`, `UTC` and `Z` are 0, `+hhmm`/`-hhmm` as written.
    private static func offsetSeconds(_ text: Substring) -> Int? {
        if ["GMT", "UT", "UTC", "Z"].contains(text.uppercased()) { return 0 }
        guard let sign = text.first, sign == "+" || sign == "-", let hhmm = number(text.dropFirst(), digits: 4...4),
            hhmm / 100 < 24, hhmm % 100 < 60
        else { return nil }
        return (sign == "-" ? -1 : 1) * (hhmm / 100 * 3600 + hhmm % 100 * 60)
    }

    /// `text` as a decimal number of `digits` ASCII digits (no sign, no spaces).
    private static func number(_ text: Substring, digits: ClosedRange<Int>) -> Int? {
        guard digits.contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}
