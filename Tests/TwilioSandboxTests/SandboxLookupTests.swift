import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// The sandbox's Lookup v2: validation and formats always, each data package on request, invalid
/// numbers answered as Twilio reports them, deterministic answers.
@Suite(.timingInsensitive) struct SandboxLookupTests {
    static let allFields = [
        "caller_name", "sim_swap", "call_forwarding", "line_status", "line_type_intelligence", "identity_match", "reassigned_number",
        "sms_pumping_risk", "phone_number_quality_score", "pre_fill",
    ]

    func lookup(_ client: SandboxTestClient, _ number: String, _ query: [(String, String)] = []) async throws -> (Int, JSONValue) {
        let response = try await client.send(.get, "/v2/PhoneNumbers/" + URLEncodedFormForTests.encode(number), query: query)
        return (response.status.code, try client.json(response))
    }

    func withLookup(_ body: (SandboxTestClient) async throws -> Void) async throws {
        try await withSandbox { baseURL, credentials in try await body(SandboxTestClient(baseURL: baseURL, credentials: credentials)) }
    }

    @Test func aBasicLookupFormatsAndLeavesEveryPackageNull() async throws {
        try await withLookup { client in
            let (status, body) = try await lookup(client, "+14159929960")
            #expect(status == 200)
            #expect(body["valid"] == true && body["validation_errors"] == [] && body["country_code"] == "US")
            #expect(body["calling_country_code"] == "1" && body["national_format"] == "(415) 992-9960")
            #expect(body["phone_number"] == "+14159929960" && body["url"]?.stringValue == client.baseURL + "/v2/PhoneNumbers/+14159929960")
            for field in Self.allFields { #expect(body[field] == .null, "\(field)") }
        }
    }

    @Test func eachPackageAnswersForTwiliosDocumentedNumbers() async throws {
        try await withLookup { client in
            let (_, us) = try await lookup(client, "+14159929960", [("Fields", "line_type_intelligence,caller_name,sms_pumping_risk")])
            #expect(us["line_type_intelligence"]?["type"] == "nonFixedVoip")
            #expect(us["line_type_intelligence"]?["carrier_name"] == "Twilio - SMS/MMS-SVR")
            #expect(
                us["line_type_intelligence"]?["mobile_country_code"] == "240"
                    && us["line_type_intelligence"]?["mobile_network_code"] == "38")
            #expect(us["caller_name"]?["caller_name"] == "Sergio Suarez" && us["caller_name"]?["caller_type"] == "CONSUMER")
            #expect(
                us["sms_pumping_risk"]?["sms_pumping_risk_score"] == 61 && us["sms_pumping_risk"]?["carrier_risk_category"] == "moderate")
            #expect(us["sim_swap"] == .null)

            let (_, gb) = try await lookup(client, "+447772000001", [("Fields", "sim_swap,call_forwarding,line_status")])
            #expect(gb["country_code"] == "GB" && gb["national_format"] == "07772 000001")
            #expect(gb["sim_swap"]?["last_sim_swap"]?["swapped_in_period"] == true && gb["sim_swap"]?["carrier_name"] == "Vodafone UK")
            #expect(gb["call_forwarding"]?["call_forwarding_enabled"] == true && gb["line_status"]?["status"] == "active")

            let everything = Self.allFields.joined(separator: ",") + ",validation"
            let (status, all) = try await lookup(
                client, "+14155550193", [("Fields", everything), ("FirstName", "Riley"), ("LastVerifiedDate", "20240101")])
            #expect(status == 200)
            #expect(all["line_status"]?["status"] == "inactive" && all["reassigned_number"]?["is_number_reassigned"] == "yes")
            #expect(all["sms_pumping_risk"]?["number_blocked"] == true)
            #expect(all["identity_match"]?["first_name_match"]?.stringValue != "no_data_available")
            #expect(all["identity_match"]?["last_name_match"] == "no_data_available")
            #expect(all["phone_number_quality_score"]?["quality_score"]?.intValue != nil)
            #expect(all["pre_fill"]?["country_code"] == "US" && all["pre_fill"]?["error_code"] == .null)
            #expect(all["reassigned_number"]?["last_verified_date"] == "2024-01-01")

            let (_, landline) = try await lookup(client, "+14155550190", [("Fields", "line_type_intelligence,sim_swap")])
            #expect(landline["line_type_intelligence"]?["type"] == "landline" && landline["sim_swap"]?["last_sim_swap"] == .null)
            let (_, tollFree) = try await lookup(client, "+18005550100", [("Fields", "line_type_intelligence")])
            #expect(tollFree["line_type_intelligence"]?["type"] == "tollFree")
            #expect(tollFree["line_type_intelligence"]?["carrier_name"] == .null)
        }
    }

    @Test func invalidNumbersAreAnswersWithTheirReasons() async throws {
        try await withLookup { client in
            for (number, reason) in [
                ("+141599299600", "TOO_LONG"), ("+1415", "TOO_SHORT"), ("+10155550100", "INVALID_BUT_POSSIBLE"),
                ("not a number", "NOT_A_NUMBER"), ("+999123456", "INVALID_COUNTRY_CODE"),
            ] {
                let (status, body) = try await lookup(client, number, [("Fields", "line_type_intelligence")])
                #expect(status == 200, "\(number)")
                #expect(body["valid"] == false && body["validation_errors"] == [.string(reason)], "\(number): \(body)")
                #expect(body["national_format"] == .null && body["line_type_intelligence"] == .null, "\(number)")
            }
        }
    }

    @Test func nationalNumbersReadInTheirCountry() async throws {
        try await withLookup { client in
            let (_, us) = try await lookup(client, "(415) 992-9960")
            #expect(us["phone_number"] == "+14159929960" && us["valid"] == true)
            let (_, gb) = try await lookup(client, "07772 000001", [("CountryCode", "GB")])
            #expect(gb["phone_number"] == "+447772000001" && gb["country_code"] == "GB" && gb["calling_country_code"] == "44")
            let (_, canada) = try await lookup(client, "+16135550100")
            #expect(canada["country_code"] == "CA")
            let (status, bad) = try await lookup(client, "4159929960", [("CountryCode", "USA")])
            #expect(status == 400 && bad["code"] == 60200)
        }
    }

    @Test func everyCountryCodeIsKnownWithAPlainPlanWhereNoDetailedOne() async throws {
        try await withLookup { client in
            for (number, country, calling, national) in [
                ("+390612345678", "IT", "39", "0612345678"), ("+41446681800", "CH", "41", "446681800"),
                ("+8613800138000", "CN", "86", "13800138000"), ("+2348031234567", "NG", "234", "8031234567"),
                ("+12425551234", "BS", "1", "(242) 555-1234"), ("+77011234567", "KZ", "7", "7011234567"),
                ("+74951234567", "RU", "7", "4951234567"), ("+85291234567", "HK", "852", "91234567"),
            ] {
                let (status, body) = try await lookup(client, number, [("Fields", "line_type_intelligence")])
                #expect(status == 200, "\(number)")
                #expect(body["valid"] == true && body["validation_errors"] == [], "\(number): \(body)")
                #expect(body["country_code"] == .string(country) && body["calling_country_code"] == .string(calling), "\(number): \(body)")
                #expect(body["national_format"] == .string(national), "\(number): \(body)")
                #expect(body["line_type_intelligence"]?["type"]?.stringValue != nil, "\(number)")
            }
            for (number, reason) in [("+41123", "TOO_SHORT"), ("+4112345678901234", "TOO_LONG"), ("+8091234567", "INVALID_COUNTRY_CODE")] {
                let (_, body) = try await lookup(client, number)
                #expect(body["validation_errors"] == [.string(reason)], "\(number): \(body)")
            }
            let (_, swiss) = try await lookup(client, "044 668 18 00", [("CountryCode", "CH")])
            #expect(swiss["phone_number"] == "+41446681800" && swiss["valid"] == true, "\(swiss)")
            let (_, italian) = try await lookup(client, "06 1234 5678", [("CountryCode", "IT")])
            #expect(italian["phone_number"] == "+390612345678", "Italy's leading 0 is part of the number: \(italian)")
        }
    }

    @Test func verifyRefusesSMSOnlyToNumbersLookupCallsValidLandlines() async throws {
        try await withLookup { client in
            let created = try client.json(try await client.send(.post, "/v2/Services", form: [("FriendlyName", "Landlines")]))
            let service = try #require(created["sid"]?.stringValue)
            for index in 10..<40 {
                let to = "+99912345\(index)"
                let (_, body) = try await lookup(client, to)
                #expect(body["valid"] == false)
                let sent = try await client.send(.post, "/v2/Services/\(service)/Verifications", form: [("To", to), ("Channel", "sms")])
                #expect(try client.json(sent)["code"] != 60205, "\(to) is no valid number, so Lookup gives it no line type")
            }
            let landline = try await client.send(
                .post, "/v2/Services/\(service)/Verifications", form: [("To", "+14155550190"), ("Channel", "sms")])
            #expect(try client.json(landline)["code"] == 60205)
        }
    }

    /// identity_match with nothing to compare is 60617 in the package; pre_fill answers for North
    /// American mobile numbers only; the dates are YYYYMMDD, refused otherwise without repeating a
    /// date of birth.
    @Test func packagesThatCompareNeedSomethingToCompare() async throws {
        try await withLookup { client in
            let (status, bare) = try await lookup(client, "+14155550100", [("Fields", "identity_match"), ("FirstName", "")])
            #expect(status == 200)
            #expect(bare["identity_match"]?["error_code"] == 60617 && bare["identity_match"]?["summary_score"] == .null)
            #expect(bare["identity_match"]?["first_name_match"] == .null)
            let (_, suite) = try await lookup(client, "+14155550100", [("Fields", "identity_match"), ("AddressLine2", "Suite 2")])
            #expect(suite["identity_match"]?["error_code"] == .null && suite["identity_match"]?["summary_score"]?.intValue != nil)

            let (_, us) = try await lookup(client, "+14155550100", [("Fields", "pre_fill")])
            #expect(us["pre_fill"]?["first_name"]?.stringValue?.isEmpty == false && us["pre_fill"]?["postal_code"]?.stringValue != nil)
            let (_, again) = try await lookup(client, "+14155550100", [("Fields", "pre_fill")])
            #expect(again["pre_fill"] == us["pre_fill"])
            let (_, gb) = try await lookup(client, "+447772000001", [("Fields", "pre_fill")])
            #expect(gb["pre_fill"]?["error_code"] == 60600 && gb["pre_fill"]?["first_name"] == .null)
            let (_, landline) = try await lookup(client, "+14155550190", [("Fields", "pre_fill")])
            #expect(landline["pre_fill"]?["error_code"] == 60600)

            let (dashed, refused) = try await lookup(
                client, "+14155550100", [("Fields", "reassigned_number"), ("LastVerifiedDate", "2024-01-01")])
            #expect(dashed == 400 && refused["code"] == 60200 && refused["message"]?.stringValue?.contains("2024-01-01") == true)
            let (birthStatus, birth) = try await lookup(
                client, "+14155550100", [("Fields", "identity_match"), ("DateOfBirth", "19901332")])
            #expect(birthStatus == 400 && birth["code"] == 60200)
            #expect(birth["message"]?.stringValue?.contains("19901332") == false)
        }
    }

    @Test func unknownFieldsAreRefusedWith60200() async throws {
        try await withLookup { client in
            let (status, body) = try await lookup(client, "+14159929960", [("Fields", "line_type_intelligence,carrier")])
            #expect(status == 400 && body["code"] == 60200 && body["message"]?.stringValue?.contains("carrier") == true)
        }
    }

    @Test func otherNumbersAnswerTheSameEveryTime() async throws {
        var first: [JSONValue] = []
        let numbers = (0..<12).map { "+1212\(String(format: "%07d", 2_345_678 + $0 * 7919))" }
        try await withLookup { client in
            for number in numbers {
                first.append(try await lookup(client, number, [("Fields", "line_type_intelligence,caller_name")]).1)
            }
        }
        try await withLookup { client in
            for (index, number) in numbers.enumerated() {
                let again = try await lookup(client, number, [("Fields", "line_type_intelligence,caller_name")]).1
                for key in ["line_type_intelligence", "caller_name", "national_format"] {  // the url names each sandbox's port
                    #expect(again[key] == first[index][key], "\(number) \(key)")
                }
            }
        }
        let types = Set(first.compactMap { $0["line_type_intelligence"]?["type"]?.stringValue })
        #expect(types.count >= 2, "the line types are all \(types)")
    }
}

/// Percent-encodes a path segment as clients do (`+` as `%2B`, spaces as `%20`).
enum URLEncodedFormForTests {
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
