import ComponentCore

/// What the sandbox's Lookup knows about a valid number, deterministically: Twilio's documented
/// example numbers and the sandbox's own test numbers (``LookupTestNumbers``) answer as listed;
/// every other number gets a stable pseudo-random line type and carrier from a hash of its E.164
/// form, so the same number always answers the same.
struct LookupIntelligence: Sendable {
    /// Line types as Line Type Intelligence names them.
    enum LineType: String, Sendable {
        case mobile, landline, fixedVoip, nonFixedVoip, tollFree, personal, pager, voicemail, sharedCost, uan, unknown
    }

    struct Carrier: Sendable, Equatable {
        /// `nil` for the types Twilio has no carrier data for (toll-free and the like).
        var name: String?
        var mobileCountryCode: String?
        var mobileNetworkCode: String?
    }

    let e164: String
    /// FNV-1a of the E.164 form: the seed of every pseudo-random answer.
    let hash: UInt64
    let testNumber: LookupTestNumbers.Entry?

    init(e164: String) {
        self.e164 = e164
        hash = StableSid.fnv1a(e164)
        testNumber = LookupTestNumbers.entries[e164]
    }

    /// A pseudo-random number below `bound` drawn from the hash (`salt` picks another draw).
    private func draw(_ bound: Int, salt: UInt64) -> Int {
        var value = hash ^ (salt &* 0x9e37_79b9_7f4a_7c15)
        value ^= value >> 33
        value &*= 0xff51_afd7_ed55_8ccd
        value ^= value >> 33
        return Int(value % UInt64(bound))
    }

    private var isNorthAmerican: Bool { e164.hasPrefix("+1") }

    var lineType: LineType {
        if let type = testNumber?.lineType { return type }
        let digits = e164.dropFirst()
        if isNorthAmerican {
            let area = String(digits.dropFirst().prefix(3))
            if ["800", "833", "844", "855", "866", "877", "888"].contains(area) { return .tollFree }
            // Fictional 555-01xx numbers and Twilio's +1500555 test range: mobile, so tests can text them.
            if digits.dropFirst(4).hasPrefix("55501") || digits.hasPrefix("1500555") { return .mobile }
        }
        switch draw(20, salt: 1) {
        case 0..<12: return .mobile
        case 12..<16: return .landline
        case 16..<18: return .nonFixedVoip
        default: return .fixedVoip
        }
    }

    var carrier: Carrier {
        if let carrier = testNumber?.carrier { return carrier }
        let type = lineType
        let country = String(e164.dropFirst().prefix(2))
        let choices: [Carrier]
        switch (country.hasPrefix("1"), type) {
        case (true, .mobile):
            choices = [
                Carrier(name: "Verizon Wireless", mobileCountryCode: "311", mobileNetworkCode: "480"),
                Carrier(name: "T-Mobile USA, Inc.", mobileCountryCode: "310", mobileNetworkCode: "260"),
                Carrier(name: "AT&T Wireless", mobileCountryCode: "310", mobileNetworkCode: "410"),
            ]
        case (true, .landline):
            choices = [
                Carrier(name: "Lumen Technologies", mobileCountryCode: nil, mobileNetworkCode: nil),
                Carrier(name: "Verizon Business", mobileCountryCode: nil, mobileNetworkCode: nil),
            ]
        case (true, .tollFree):
            choices = [Carrier(name: nil, mobileCountryCode: nil, mobileNetworkCode: nil)]
        case (_, .nonFixedVoip):
            choices = [Carrier(name: "Twilio - SMS/MMS-SVR", mobileCountryCode: "311", mobileNetworkCode: "950")]
        case (_, .fixedVoip):
            choices = [Carrier(name: "Bandwidth/13 - Bandwidth.com - SVR", mobileCountryCode: "313", mobileNetworkCode: "981")]
        case (false, .mobile):
            choices = [
                Carrier(name: "Sandbox Mobile", mobileCountryCode: "001", mobileNetworkCode: "01"),
                Carrier(name: "Sandbox Wireless", mobileCountryCode: "001", mobileNetworkCode: "02"),
            ]
        default:
            choices = [Carrier(name: "Sandbox Telecom", mobileCountryCode: nil, mobileNetworkCode: nil)]
        }
        return choices[draw(choices.count, salt: 2)]
    }

    private static func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// `line_type_intelligence`.
    var lineTypeIntelligence: JSONValue {
        let carrier = carrier
        return [
            "mobile_country_code": Self.text(carrier.mobileCountryCode), "mobile_network_code": Self.text(carrier.mobileNetworkCode),
            "carrier_name": Self.text(carrier.name), "type": .string(lineType.rawValue), "error_code": .null,
        ]
    }

    /// The `lookup.carrier` of a verification on a service with lookups enabled.
    var verifyCarrier: JSONValue {
        let carrier = carrier
        return [
            "error_code": .null, "name": Self.text(carrier.name), "mobile_country_code": Self.text(carrier.mobileCountryCode),
            "mobile_network_code": Self.text(carrier.mobileNetworkCode), "type": .string(lineType.rawValue),
        ]
    }

    /// `caller_name`: CNAM covers the US only; elsewhere error 60600 (unprovisioned or out of coverage).
    var callerName: JSONValue {
        if let name = testNumber?.callerName {
            return ["caller_name": .string(name.name), "caller_type": .string(name.type), "error_code": .null]
        }
        guard e164.hasPrefix("+1") else { return ["caller_name": .null, "caller_type": .null, "error_code": 60600] }
        let first = ["ALEX", "SAM", "JORDAN", "TAYLOR", "MORGAN", "CASEY", "RILEY", "JAMIE"]
        let last = ["RIVERA", "CHEN", "OKAFOR", "MULLER", "SILVA", "NGUYEN", "KOWALSKI", "DUBOIS"]
        if lineType == .landline, draw(3, salt: 3) == 0 {
            let businesses = ["SANDBOX BAKERY", "EXAMPLE DENTAL", "LOOPBACK MOTORS"]
            return ["caller_name": .string(businesses[draw(businesses.count, salt: 4)]), "caller_type": "BUSINESS", "error_code": .null]
        }
        let name = first[draw(first.count, salt: 5)] + " " + last[draw(last.count, salt: 6)]
        return ["caller_name": .string(name), "caller_type": "CONSUMER", "error_code": .null]
    }

    /// `sms_pumping_risk`: a score 0 to 100 and its category.
    var smsPumpingRisk: JSONValue {
        let score = testNumber?.smsPumpingRiskScore ?? draw(60, salt: 7)
        let category = score < 20 ? "low" : score < 50 ? "mild" : score < 75 ? "moderate" : "high"
        let blocked = score >= 90
        return [
            "carrier_risk_category": .string(category), "number_blocked": .bool(blocked),
            "number_blocked_date": blocked ? "2024-01-01T00:00:00Z" : .null, "number_blocked_last_3_months": .bool(blocked),
            "sms_pumping_risk_score": .integer(score), "error_code": .null,
        ]
    }

    /// `sim_swap`: mobile numbers only; others answer null values, as Twilio does out of coverage.
    var simSwap: JSONValue {
        guard lineType == .mobile else {
            return [
                "last_sim_swap": .null, "carrier_name": .null, "mobile_country_code": .null, "mobile_network_code": .null,
                "error_code": .null,
            ]
        }
        let carrier = carrier
        let swapped = testNumber?.recentlySwapped ?? (draw(10, salt: 8) == 0)
        return [
            "last_sim_swap": [
                "last_sim_swap_date": swapped ? "2024-04-27T10:18:50Z" : .null, "swapped_period": "PT24H",
                "swapped_in_period": .bool(swapped),
            ],
            "carrier_name": Self.text(carrier.name), "mobile_country_code": Self.text(carrier.mobileCountryCode),
            "mobile_network_code": Self.text(carrier.mobileNetworkCode), "error_code": .null,
        ]
    }

    /// `call_forwarding`: mobile numbers only; others answer null values.
    var callForwarding: JSONValue {
        guard lineType == .mobile else { return ["call_forwarding_enabled": .null, "error_code": .null] }
        return ["call_forwarding_enabled": .bool(testNumber?.callForwarding ?? (draw(8, salt: 9) == 0)), "error_code": .null]
    }

    /// `line_status`: active, inactive or unreachable.
    var lineStatus: JSONValue {
        let status = testNumber?.lineStatus ?? (draw(10, salt: 10) == 0 ? "unreachable" : "active")
        return ["status": .string(status), "error_code": .null]
    }

    /// `reassigned_number` (US only, error 60600 elsewhere): whether the number changed hands since
    /// `lastVerifiedDate`; without that date there is nothing to compare (`no_data_available`).
    func reassignedNumber(lastVerifiedDate: String?) -> JSONValue {
        guard e164.hasPrefix("+1") else {
            return ["last_verified_date": Self.text(lastVerifiedDate), "is_number_reassigned": .null, "error_code": "60600"]
        }
        guard let lastVerifiedDate else {
            return ["last_verified_date": .null, "is_number_reassigned": "no_data_available", "error_code": .null]
        }
        let answer = testNumber?.reassigned ?? ["no", "no", "no", "yes", "no_data_available"][draw(5, salt: 11)]
        return ["last_verified_date": .string(lastVerifiedDate), "is_number_reassigned": .string(answer), "error_code": .null]
    }

    /// `identity_match`: each field given compared with the number's (made-up) owner; fields not
    /// given are `no_data_available`. With none given, error 60617 (not enough parameters), as
    /// Twilio answers.
    func identityMatch(_ query: [(String, String)]) -> JSONValue {
        let fields = [
            ("first_name_match", "FirstName"), ("last_name_match", "LastName"), ("address_lines_match", "AddressLine1"),
            ("city_match", "City"), ("state_match", "State"), ("postal_code_match", "PostalCode"),
            ("address_country_match", "AddressCountryCode"), ("national_id_match", "NationalId"), ("date_of_birth_match", "DateOfBirth"),
        ]
        var object = JSONObject()
        let compared = fields.map(\.1) + ["AddressLine2"]
        guard compared.contains(where: { name in query.contains { $0.0 == name && !$0.1.isEmpty } }) else {
            for (key, _) in fields { object[key] = .null }
            object["summary_score"] = .null
            object["error_code"] = 60617
            object["error_message"] = "Missing at least one valid additional argument to execute the Lookup you requested"
            return .object(object)
        }
        var score = 0
        var given = 0
        for (index, (key, parameter)) in fields.enumerated() {
            guard let value = query.first(where: { $0.0 == parameter })?.1, !value.isEmpty else {
                object[key] = "no_data_available"
                continue
            }
            given += 1
            let outcomes = ["exact_match", "exact_match", "high_partial_match", "partial_match", "no_match"]
            let outcome = outcomes[draw(outcomes.count, salt: 20 + UInt64(index))]
            object[key] = .string(outcome)
            score += ["exact_match": 100, "high_partial_match": 80, "partial_match": 50, "no_match": 0][outcome] ?? 0
        }
        object["summary_score"] = .integer(given == 0 ? 0 : score / given)
        object["error_code"] = .null
        object["error_message"] = .null
        return .object(object)
    }

    /// `pre_fill`: the name and address the carrier holds for the number's owner (made up, stable),
    /// for North American mobile numbers; elsewhere error 60600 (out of coverage).
    var preFill: JSONValue {
        let keys = ["first_name", "last_name", "address_line", "country_code", "state", "postal_code"]
        guard e164.hasPrefix("+1"), lineType == .mobile else {
            var object = JSONObject()
            for key in keys { object[key] = .null }
            object["error_code"] = 60600
            return .object(object)
        }
        let first = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie"]
        let last = ["Rivera", "Chen", "Okafor", "Muller", "Silva", "Nguyen", "Kowalski", "Dubois"]
        let streets = ["Main Street", "Oak Avenue", "Market Street", "Pine Road"]
        let places = [("CA", "94107"), ("NY", "10021"), ("WA", "98117"), ("TX", "73301")]
        let place = places[draw(places.count, salt: 43)]
        return [
            "first_name": .string(first[draw(first.count, salt: 40)]), "last_name": .string(last[draw(last.count, salt: 41)]),
            "address_line": .string("\(100 + draw(900, salt: 42)) \(streets[draw(streets.count, salt: 44)])"),
            "country_code": "US", "state": .string(place.0), "postal_code": .string(place.1), "error_code": .null,
        ]
    }

    /// `phone_number_quality_score`: risk scores 0 to 100 and their categories.
    var qualityScore: JSONValue {
        func category(_ score: Int) -> JSONValue { .string(score < 40 ? "low" : score < 70 ? "medium" : "high") }
        let carrierRisk = draw(100, salt: 30)
        let disposable = lineType == .nonFixedVoip ? 60 + draw(40, salt: 31) : draw(40, salt: 31)
        let velocity = draw(50, salt: 32)
        let quality = 100 - max(carrierRisk, disposable, velocity)
        return [
            "carrier_risk_score": .integer(carrierRisk), "carrier_risk_category": category(carrierRisk),
            "disposable_phone_risk_score": .integer(disposable), "disposable_phone_risk_category": category(disposable),
            "velocity_risk_score": .integer(velocity), "velocity_risk_category": category(velocity),
            "quality_score": .integer(quality), "quality_category": category(quality), "error_code": .null,
        ]
    }
}
