import ComponentCore
import Foundation
import HTTPTypes

/// Twilio Lookup v2 (`GET /v2/PhoneNumbers/{PhoneNumber}`): validation and national format
/// always, and the data packages `Fields` asks for. An invalid number is an answer
/// (`valid: false` with its reasons), not an error; an unknown field name is 400 error 60200.
struct LookupAPI {
    let core: SandboxCore

    /// The packages v2 offers, in the order the response lists them.
    static let packages = [
        "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number",
        "sms_pumping_risk", "phone_number_quality_score", "pre_fill",
    ]

    func fetch(number: String, query: [(String, String)]) -> Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError> {
        func value(_ name: String) -> String? { query.first { $0.0 == name }?.1 }
        var requested: Set<String> = []
        for field in (value("Fields") ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !field.isEmpty {
            guard field == "validation" || Self.packages.contains(field) else {
                return .failure(
                    .verifyInvalidParameter(
                        "Fields", "\(field) is not a Lookup field; use \((["validation"] + Self.packages).joined(separator: ", "))."))
            }
            requested.insert(field)
        }
        if let country = value("CountryCode"), !(country.count == 2 && country.allSatisfy { $0.isASCII && $0.isLetter }) {
            return .failure(.verifyInvalidParameter("CountryCode", "a two-letter ISO country code such as US or GB, but it is \(country)."))
        }
        for name in ["LastVerifiedDate", "DateOfBirth"] {
            guard let date = value(name), Self.dashedDate(date) == nil else { continue }
            let shown = name == "DateOfBirth" ? "it is not" : "it is \(date)"
            return .failure(.verifyInvalidParameter(name, "a date written YYYYMMDD, such as 20240514, but \(shown)."))
        }
        let parsed = ParsedPhoneNumber(number, countryCode: value("CountryCode"))
        var object = JSONObject()
        object["calling_country_code"] = parsed.callingCode.map(JSONValue.string) ?? .null
        object["country_code"] = parsed.isoCode.map(JSONValue.string) ?? .null
        object["phone_number"] = .string(parsed.phoneNumber)
        object["national_format"] = parsed.nationalFormat.map(JSONValue.string) ?? .null
        object["valid"] = .bool(parsed.isValid)
        object["validation_errors"] = .array(parsed.validationErrors.map(JSONValue.string))
        let intelligence = parsed.isValid ? LookupIntelligence(e164: parsed.phoneNumber) : nil
        for package in Self.packages {
            guard let intelligence, requested.contains(package) else {
                object[package] = .null
                continue
            }
            object[package] =
                switch package {
                case "caller_name": intelligence.callerName
                case "sim_swap": intelligence.simSwap
                case "call_forwarding": intelligence.callForwarding
                case "line_status": intelligence.lineStatus
                case "line_type_intelligence": intelligence.lineTypeIntelligence
                case "identity_match": intelligence.identityMatch(query)
                case "reassigned_number":
                    intelligence.reassignedNumber(lastVerifiedDate: value("LastVerifiedDate").flatMap(Self.dashedDate))
                case "sms_pumping_risk": intelligence.smsPumpingRisk
                case "phone_number_quality_score": intelligence.qualityScore
                case "pre_fill": intelligence.preFill
                default: .null
                }
        }
        object["url"] = .string(
            core.voice.baseURL + "/v2/PhoneNumbers/"
                + URLEncodedForm.percentEncode(parsed.phoneNumber).replacingOccurrences(of: "%2B", with: "+"))
        return .success((.ok, .object(object)))
    }

    /// A `YYYYMMDD` date naming a real day as `YYYY-MM-DD` (how Lookup answers it); `nil` otherwise.
    static func dashedDate(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 8, bytes.allSatisfy({ (0x30...0x39).contains($0) }),
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)), let day = Int(text.suffix(2)),
            ISO8601Timestamp.isValidDate(year: year, month: month, day: day)
        else { return nil }
        return "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.suffix(2))"
    }
}
