import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// `lookupPhoneNumber`: what Lookup v2 knows of a phone number: whether it is valid, its E.164
/// and national formats, its country, and the data packages asked for (line type, caller name,
/// SMS pumping risk, identity match...). An invalid number is an answer (`valid` false, with
/// Twilio's reasons), not an error. Read-only, so retried like getSMS.
struct LookupPhoneNumber: ActionHandler {
    struct Input: Decodable, Sendable {
        var phoneNumber: String
        var fields: [String]?
        var countryCode: String?
        var firstName: String?
        var lastName: String?
        var addressLine1: String?
        var addressLine2: String?
        var city: String?
        var state: String?
        var postalCode: String?
        var addressCountryCode: String?
        var nationalId: Secret?
        var dateOfBirth: Secret?
        var lastVerifiedDate: String?
        var verificationSid: String?
        var partnerSubId: String?

        /// The package parameters' values by input key, trimmed, empty ones left out; the secrets
        /// revealed, for they go in the request (and as redacted in its logged URL).
        var packageValues: [String: String] {
            let values: [(String, String?)] = [
                ("firstName", firstName), ("lastName", lastName), ("addressLine1", addressLine1), ("addressLine2", addressLine2),
                ("city", city), ("state", state), ("postalCode", postalCode), ("addressCountryCode", addressCountryCode),
                ("nationalId", nationalId?.reveal()), ("dateOfBirth", dateOfBirth?.reveal()), ("lastVerifiedDate", lastVerifiedDate),
                ("verificationSid", verificationSid), ("partnerSubId", partnerSubId),
            ]
            var given: [String: String] = [:]
            for (key, value) in values {
                if let value = value?.trimmingSpaces(), !value.isEmpty { given[key] = value }
            }
            return given
        }
    }

    /// Lookup v2's packages, by their `Fields` name (each is also the key of its result).
    static let packages = [
        "caller_name", "call_forwarding", "identity_match", "line_status", "line_type_intelligence", "phone_number_quality_score",
        "pre_fill", "reassigned_number", "sim_swap", "sms_pumping_risk",
    ]

    /// An input only one package reads, and the query parameter it becomes.
    struct PackageParameter: Sendable {
        var key: String
        var label: String
        var parameter: String
        var package: String
        /// A password input: never shown, in a problem or in a logged URL.
        var isSecret = false
    }

    /// In Twilio's order. `nationalId` and `dateOfBirth` are password inputs: never repeated.
    static let packageParameters = [
        PackageParameter(key: "firstName", label: "First Name", parameter: "FirstName", package: "identity_match"),
        PackageParameter(key: "lastName", label: "Last Name", parameter: "LastName", package: "identity_match"),
        PackageParameter(key: "addressLine1", label: "Address Line 1", parameter: "AddressLine1", package: "identity_match"),
        PackageParameter(key: "addressLine2", label: "Address Line 2", parameter: "AddressLine2", package: "identity_match"),
        PackageParameter(key: "city", label: "City", parameter: "City", package: "identity_match"),
        PackageParameter(key: "state", label: "State", parameter: "State", package: "identity_match"),
        PackageParameter(key: "postalCode", label: "Postal Code", parameter: "PostalCode", package: "identity_match"),
        PackageParameter(
            key: "addressCountryCode", label: "Address Country Code", parameter: "AddressCountryCode", package: "identity_match"),
        PackageParameter(key: "nationalId", label: "National ID", parameter: "NationalId", package: "identity_match", isSecret: true),
        PackageParameter(key: "dateOfBirth", label: "Date of Birth", parameter: "DateOfBirth", package: "identity_match", isSecret: true),
        PackageParameter(key: "lastVerifiedDate", label: "Last Verified Date", parameter: "LastVerifiedDate", package: "reassigned_number"),
        PackageParameter(key: "verificationSid", label: "Verification SID", parameter: "VerificationSid", package: "pre_fill"),
        PackageParameter(key: "partnerSubId", label: "Partner Sub ID", parameter: "PartnerSubId", package: "sms_pumping_risk"),
    ]

    /// The keys every answer has, in Twilio's order.
    static let basicKeys = ["calling_country_code", "country_code", "phone_number", "national_format", "valid", "validation_errors"]

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let (number, query) = try Self.request(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        var request = HTTPClientRequest(method: .get, url: "/v2/PhoneNumbers/" + VerifyPaths.segment(number), query: query)
        // The scrubber knows the secrets as given and compacted; the logged URL and errors do not
        // show them at all, in whatever encoding.
        request.secretQueryParameters = Set(Self.packageParameters.filter(\.isSecret).map(\.parameter))
        let answer = try await api.json(request, host: .lookups)
        return Self.output(answer, fields: Self.requestedPackages(input.fields))
    }

    /// The packages asked for, once each, in the order Twilio answers them.
    static func requestedPackages(_ fields: [String]?) -> [String] {
        let asked = Set(fields ?? [])
        return packages.filter(asked.contains)
    }

    /// The number as it goes in the path, and the query, after every input is checked.
    static func request(for input: Input) throws(ComponentError) -> (number: String, query: [(String, String)]) {
        var checks = CallInputChecks(owner: "action 'lookupPhoneNumber'")
        let raw = input.phoneNumber.trimmingSpaces()
        let country = input.countryCode.flatMap { $0.isEmpty ? nil : $0.uppercased() }
        var number = raw
        if raw.hasPrefix("+") {
            // Any digits go to Lookup, which answers a number too short or too long with `valid` false.
            let digits = raw.dropFirst().filter { !" .-()\t".contains($0) }
            if (1...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
                number = "+" + digits
            } else {
                checks.problem("phoneNumber", "Phone Number", "'\(raw)' is not a phone number in E.164; \(VerifyAddress.phoneForm).")
            }
        } else {
            let digits = raw.filter { !" .-()\t".contains($0) }
            if digits.isEmpty || !digits.allSatisfy({ $0.isASCII && $0.isNumber }) || digits.count > 17 {
                checks.problem(
                    "phoneNumber", "Phone Number",
                    "'\(raw)' is not a phone number; \(VerifyAddress.phoneForm), or give national digits with a Country Code.")
            } else if country == nil {
                checks.problem(
                    "phoneNumber", "Phone Number",
                    "'\(raw)' is in national format, which needs a Country Code (such as US or GB) to be read; give one, or write the number in E.164."
                )
            } else {
                number = digits
            }
        }
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            checks.problem("countryCode", "Country Code", "'\(country)' is not a two-letter ISO 3166 country code such as US or GB.")
        }
        for field in input.fields ?? [] where !packages.contains(field) {
            checks.problem("fields", "Fields", "'\(field)' is not one of Lookup's packages: \(packages.joined(separator: ", ")).")
        }
        let fields = requestedPackages(input.fields)
        var given = input.packageValues
        packageParameterProblems(given: &given, fields: fields, checks: &checks)
        try checks.finish()
        var query: [(String, String)] = []
        if !fields.isEmpty { query.append(("Fields", fields.joined(separator: ","))) }
        if let country { query.append(("CountryCode", country)) }
        for parameter in packageParameters {
            if let value = given[parameter.key] { query.append((parameter.parameter, value)) }
        }
        return (number, query)
    }

    /// Each package parameter belongs with its package, and the packages that compare with
    /// something need it: identity_match at least one identity input (Twilio's 60617 otherwise),
    /// reassigned_number a Last Verified Date. Dates are rewritten as Twilio takes them
    /// (`YYYYMMDD`) in `given`; a secret's value is never repeated in a problem.
    static func packageParameterProblems(given: inout [String: String], fields: [String], checks: inout CallInputChecks) {
        for parameter in packageParameters where given[parameter.key] != nil && !fields.contains(parameter.package) {
            checks.problem(
                parameter.key, parameter.label,
                "is read only by Lookup's \(parameter.package) package: add \(parameter.package) to Fields, or leave it empty.")
        }
        if fields.contains("identity_match"), !packageParameters.contains(where: { $0.package == "identity_match" && given[$0.key] != nil })
        {
            let labels = packageParameters.filter { $0.package == "identity_match" }.map(\.label)
            checks.problem(
                "fields", "Fields",
                "asks for identity_match, which compares what you give with what the number's carrier knows of its owner: give at least one of \(CallInputChecks.list(labels, or: true))."
            )
        }
        if fields.contains("reassigned_number"), given["lastVerifiedDate"] == nil {
            checks.problem(
                "lastVerifiedDate", "Last Verified Date",
                "is required with reassigned_number: the day you last knew the number was your user's (their consent or your last contact with them), as YYYY-MM-DD."
            )
        }
        if let date = given["lastVerifiedDate"], fields.contains("reassigned_number") {
            if let compact = compactDate(date) {
                given["lastVerifiedDate"] = compact
            } else {
                checks.problem("lastVerifiedDate", "Last Verified Date", "'\(date)' is not a date written YYYY-MM-DD, such as 2024-05-14.")
            }
        }
        if let date = given["dateOfBirth"], fields.contains("identity_match") {
            if let compact = compactDate(date) {
                given["dateOfBirth"] = compact
            } else {
                checks.problem(
                    "dateOfBirth", "Date of Birth",
                    "is not a date written YYYY-MM-DD (or YYYYMMDD), such as 1990-12-14 (the value is secret, so it is not repeated).")
            }
        }
        if let country = given["addressCountryCode"], fields.contains("identity_match") {
            if country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) {
                given["addressCountryCode"] = country.uppercased()
            } else {
                checks.problem(
                    "addressCountryCode", "Address Country Code", "'\(country)' is not a two-letter ISO 3166 country code such as US or GB."
                )
            }
        }
    }

    /// `YYYY-MM-DD` or `YYYYMMDD` naming a real day, as `YYYYMMDD`; `nil` for anything else.
    static func compactDate(_ text: String) -> String? {
        let characters = Array(text)
        let digits = characters.count == 10 && characters[4] == "-" && characters[7] == "-" ? text.filter { $0 != "-" } : text
        guard digits.count == 8, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)), let day = Int(digits.suffix(2)),
            ISO8601Timestamp.isValidDate(year: year, month: month, day: day)
        else { return nil }
        return digits
    }

    /// Twilio's answer: the basic keys, then each package asked for, camelCased (Lookup's answer
    /// has no dates).
    static func output(_ answer: JSONValue, fields: [String]) -> JSONValue {
        ResourceFields(basicKeys + fields, dates: []).map(answer)
    }
}
