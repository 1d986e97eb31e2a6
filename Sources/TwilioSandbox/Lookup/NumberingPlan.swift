/// How the sandbox reads a country's numbers: calling code, ISO code, the lengths a national
/// number may have, and how it is written nationally. A few countries have a detailed plan (the
/// sandbox's own small table, not libphonenumber); every other country of ``CallingCodes`` has a
/// plain one (``generic(isoCode:callingCode:)``), so Lookup answers deterministically everywhere.
struct NumberingPlan: Sendable {
    var isoCode: String
    var callingCode: String
    /// The lengths a national significant number may have.
    var lengths: ClosedRange<Int>
    /// The national prefix (trunk prefix) dialled before the number at home: `0`, or none.
    var trunkPrefix: String
    /// `digits` (the national significant number) as written at home.
    var format: @Sendable (String) -> String

    /// The plan for an ISO country code (`US`, `gb`).
    static func plan(isoCode: String) -> NumberingPlan? {
        let code = isoCode.uppercased()
        if let plan = all.first(where: { $0.isoCode == code }) { return plan }
        return CallingCodes.codeByCountry[code].map { generic(isoCode: code, callingCode: $0) }
    }

    /// The plan of a country without a detailed one: 7 to 15 significant digits with the calling
    /// code (E.164's bounds), written nationally as they are, and a national `0` taken for the
    /// trunk prefix except where it belongs to the number (Italy, San Marino, the Vatican, Côte
    /// d'Ivoire). Twilio's libphonenumber knows each country's lengths and groups; this does not.
    static func generic(isoCode: String, callingCode: String) -> NumberingPlan {
        let keepsZero: Set<String> = ["IT", "SM", "VA", "CI"]
        return NumberingPlan(
            isoCode: isoCode, callingCode: callingCode, lengths: max(1, 7 - callingCode.count)...(15 - callingCode.count),
            trunkPrefix: keepsZero.contains(isoCode) ? "" : "0", format: { $0 })
    }

    /// The plan whose calling code starts `digits` (the digits after `+`), longest first, with the
    /// national number that follows it. For `+1` the country is the US unless the area code is Canada's.
    static func plan(internationalDigits digits: String) -> (plan: NumberingPlan, national: String)? {
        for length in (1...3).reversed() where digits.count > length {
            let prefix = String(digits.prefix(length))
            let national = String(digits.dropFirst(length))
            if prefix == "1" {
                let area = String(national.prefix(3))
                if canadianAreaCodes.contains(area) { return (plan(isoCode: "CA")!, national) }
                if let country = caribbeanAreaCodes[area] {
                    return (
                        NumberingPlan(isoCode: country, callingCode: "1", lengths: 10...10, trunkPrefix: "", format: northAmerican),
                        national
                    )
                }
                return (plan(isoCode: "US")!, national)
            }
            if prefix == "7" {
                // Kazakhstan's numbers start with 6 or 7 after +7; the rest are Russia's.
                return (plan(isoCode: national.hasPrefix("6") || national.hasPrefix("7") ? "KZ" : "RU")!, national)
            }
            if let plan = all.first(where: { $0.callingCode == prefix }) { return (plan, national) }
            if let country = CallingCodes.countryByCode[prefix] { return (generic(isoCode: country, callingCode: prefix), national) }
        }
        return nil
    }

    private static func grouped(_ digits: String, _ sizes: [Int], separator: String = " ") -> String {
        var parts: [String] = []
        var rest = Substring(digits)
        for size in sizes where !rest.isEmpty {
            parts.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { parts.append(String(rest)) }
        return parts.joined(separator: separator)
    }

    private static let northAmerican: @Sendable (String) -> String = { digits in
        guard digits.count == 10 else { return digits }
        let area = digits.prefix(3)
        let exchange = digits.dropFirst(3).prefix(3)
        return "(\(area)) \(exchange)-\(digits.suffix(4))"
    }

    static let all: [NumberingPlan] = [
        NumberingPlan(isoCode: "US", callingCode: "1", lengths: 10...10, trunkPrefix: "", format: northAmerican),
        NumberingPlan(isoCode: "CA", callingCode: "1", lengths: 10...10, trunkPrefix: "", format: northAmerican),
        NumberingPlan(isoCode: "GB", callingCode: "44", lengths: 9...10, trunkPrefix: "0") { "0" + grouped($0, [4]) },
        NumberingPlan(isoCode: "DE", callingCode: "49", lengths: 7...11, trunkPrefix: "0") { "0" + grouped($0, [3]) },
        NumberingPlan(isoCode: "FR", callingCode: "33", lengths: 9...9, trunkPrefix: "0") { "0" + grouped($0, [1, 2, 2, 2]) },
        NumberingPlan(isoCode: "ES", callingCode: "34", lengths: 9...9, trunkPrefix: "") { grouped($0, [3, 2, 2]) },
        NumberingPlan(isoCode: "NL", callingCode: "31", lengths: 9...9, trunkPrefix: "0") { "0" + grouped($0, [1]) },
        NumberingPlan(isoCode: "AU", callingCode: "61", lengths: 9...9, trunkPrefix: "0") { "0" + grouped($0, [3, 3]) },
        NumberingPlan(isoCode: "IN", callingCode: "91", lengths: 10...10, trunkPrefix: "0") { "0" + grouped($0, [5]) },
        NumberingPlan(isoCode: "BR", callingCode: "55", lengths: 10...11, trunkPrefix: "0") { digits in
            "(\(digits.prefix(2))) \(digits.dropFirst(2).dropLast(4))-\(digits.suffix(4))"
        },
        NumberingPlan(isoCode: "MX", callingCode: "52", lengths: 10...10, trunkPrefix: "") { grouped($0, [2, 4]) },
        NumberingPlan(isoCode: "JP", callingCode: "81", lengths: 9...10, trunkPrefix: "0") { "0" + grouped($0, [2, 4], separator: "-") },
        NumberingPlan(isoCode: "SE", callingCode: "46", lengths: 7...9, trunkPrefix: "0") { "0" + grouped($0, [2, 3, 2]) },
        NumberingPlan(isoCode: "IE", callingCode: "353", lengths: 7...9, trunkPrefix: "0") { "0" + grouped($0, [2, 3]) },
        NumberingPlan(isoCode: "SG", callingCode: "65", lengths: 8...8, trunkPrefix: "") { grouped($0, [4]) },
        NumberingPlan(isoCode: "ZA", callingCode: "27", lengths: 9...9, trunkPrefix: "0") { "0" + grouped($0, [2, 3]) },
    ]

    /// The area codes of the other countries of North America's `+1`.
    private static let caribbeanAreaCodes: [String: String] = [
        "242": "BS", "246": "BB", "264": "AI", "268": "AG", "284": "VG", "340": "VI", "345": "KY", "441": "BM", "473": "GD",
        "649": "TC", "658": "JM", "876": "JM", "664": "MS", "670": "MP", "671": "GU", "684": "AS", "721": "SX", "758": "LC",
        "767": "DM", "784": "VC", "787": "PR", "939": "PR", "809": "DO", "829": "DO", "849": "DO", "868": "TT", "869": "KN",
    ]

    /// Canada's area codes: `+1` numbers in them are Canadian.
    private static let canadianAreaCodes: Set<String> = [
        "204", "226", "236", "249", "250", "263", "289", "306", "343", "354", "365", "367", "368", "382", "403", "416", "418", "428",
        "431", "437", "438", "450", "468", "474", "506", "514", "519", "548", "579", "581", "584", "587", "604", "613", "639", "647",
        "672", "683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825", "867", "873", "879", "902", "905",
    ]
}
