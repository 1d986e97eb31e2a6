import Foundation

/// Verify's dates: ISO 8601 in UTC to the second (`2015-07-30T20:00:00Z`), as the v2 APIs write them.
enum VerifyDate {
    static func string(fromUnixSeconds seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
