/// A number as Lookup reads it: valid with its country and national format, or invalid with
/// Twilio's reasons (`TOO_SHORT`, `TOO_LONG`, `INVALID_LENGTH`, `INVALID_BUT_POSSIBLE`,
/// `INVALID_COUNTRY_CODE`, `NOT_A_NUMBER`).
struct ParsedPhoneNumber: Sendable, Equatable {
    /// `+` and digits when they could be made out; else the input as given.
    var phoneNumber: String
    var isoCode: String?
    var callingCode: String?
    var nationalFormat: String?
    var validationErrors: [String]

    var isValid: Bool { validationErrors.isEmpty }

    /// Reads `input`: E.164 (`+14155550100`, formatting characters allowed) or national
    /// (`(415) 555-0100`), the latter in the country `countryCode` names (the US by default).
    init(_ input: String, countryCode: String?) {
        phoneNumber = input
        validationErrors = []
        let formatting: Set<Character> = [" ", "(", ")", "-", ".", "/"]
        let international = input.hasPrefix("+")
        let body = international ? input.dropFirst() : Substring(input)
        let digits = String(body.filter { !formatting.contains($0) })
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            validationErrors = ["NOT_A_NUMBER"]
            return
        }
        let plan: NumberingPlan
        var national: String
        if international {
            phoneNumber = "+" + digits
            guard digits.first != "0", let found = NumberingPlan.plan(internationalDigits: digits) else {
                validationErrors = [digits.count < 3 ? "TOO_SHORT" : "INVALID_COUNTRY_CODE"]
                return
            }
            (plan, national) = found
        } else {
            guard let found = NumberingPlan.plan(isoCode: countryCode ?? "US") else {
                validationErrors = ["INVALID_COUNTRY_CODE"]
                return
            }
            plan = found
            national = digits
            if !plan.trunkPrefix.isEmpty, national.hasPrefix(plan.trunkPrefix) { national = String(national.dropFirst()) }
            if plan.callingCode == "1", national.count == 11, national.hasPrefix("1") { national = String(national.dropFirst()) }
            phoneNumber = "+" + plan.callingCode + national
        }
        if national.count < plan.lengths.lowerBound {
            validationErrors = ["TOO_SHORT"]
            return
        }
        if national.count > plan.lengths.upperBound {
            validationErrors = ["TOO_LONG"]
            return
        }
        var resolved = plan
        if plan.callingCode == "1", let again = NumberingPlan.plan(internationalDigits: "1" + national) { resolved = again.plan }
        // North America: area code and exchange start with 2 to 9 (the right length, but no such number).
        if resolved.callingCode == "1" {
            let area = national.prefix(1)
            let exchange = national.dropFirst(3).prefix(1)
            if area == "0" || area == "1" || exchange == "0" || exchange == "1" {
                isoCode = resolved.isoCode
                callingCode = resolved.callingCode
                validationErrors = ["INVALID_BUT_POSSIBLE"]
                return
            }
        }
        isoCode = resolved.isoCode
        callingCode = resolved.callingCode
        nationalFormat = resolved.format(national)
    }
}
