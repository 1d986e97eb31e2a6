import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// `lookupPhoneNumber`: what Lookup v2 knows of a phone number: whether it is valid, its E.164
/// and national formats, its country, and the data packages asked for (line type, caller name,
/// SMS pumping risk...). An invalid number is an answer (`valid` false, with Twilio's reasons),
/// not an error. Read-only, so retried like getSMS.
struct LookupPhoneNumber: ActionHandler {
    struct Input: Decodable, Sendable {
        var phoneNumber: String
        var fields: [String]?
        var countryCode: String?
    }

    /// Lookup v2's packages the action offers, by their `Fields` name (each is also the key of
    /// its result). `identity_match`, `reassigned_number` and `pre_fill` need more parameters:
    /// rawRequest reaches them.
    static let packages = [
        "caller_name", "call_forwarding", "line_status", "line_type_intelligence", "phone_number_quality_score", "sim_swap",
        "sms_pumping_risk",
    ]

    /// The keys every answer has, in Twilio's order.
    static let basicKeys = ["calling_country_code", "country_code", "phone_number", "national_format", "valid", "validation_errors"]

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let (number, query) = try Self.request(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let answer = try await api.json(
            HTTPClientRequest(method: .get, url: "/v2/PhoneNumbers/" + VerifyPaths.segment(number), query: query), host: .lookups)
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
            checks.problem(
                "fields", "Fields", "'\(field)' is not one of Lookup's packages this action offers: \(packages.joined(separator: ", ")).")
        }
        try checks.finish()
        var query: [(String, String)] = []
        let fields = requestedPackages(input.fields)
        if !fields.isEmpty { query.append(("Fields", fields.joined(separator: ","))) }
        if let country { query.append(("CountryCode", country)) }
        return (number, query)
    }

    /// Twilio's answer: the basic keys, then each package asked for, camelCased (Lookup's answer
    /// has no dates).
    static func output(_ answer: JSONValue, fields: [String]) -> JSONValue {
        ResourceFields(basicKeys + fields, dates: []).map(answer)
    }
}
