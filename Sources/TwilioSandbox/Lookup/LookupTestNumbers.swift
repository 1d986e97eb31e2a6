/// Numbers whose Lookup answers are fixed: the examples Twilio documents in its Lookup v2
/// reference (`+14159929960`, `+447772000001`, `+15108675310`) with their documented answers,
/// and the sandbox's own numbers for each line type and for a risky number.
enum LookupTestNumbers {
    struct Entry: Sendable {
        var lineType: LookupIntelligence.LineType
        var carrier: LookupIntelligence.Carrier?
        var callerName: (name: String, type: String)?
        var smsPumpingRiskScore: Int?
        var recentlySwapped: Bool?
        var callForwarding: Bool?
        var lineStatus: String?
        var reassigned: String?
    }

    static let entries: [String: Entry] = [
        // Twilio's documented examples.
        "+14159929960": Entry(
            lineType: .nonFixedVoip, carrier: .init(name: "Twilio - SMS/MMS-SVR", mobileCountryCode: "240", mobileNetworkCode: "38"),
            callerName: ("Sergio Suarez", "CONSUMER"), smsPumpingRiskScore: 61, reassigned: "no"),
        "+447772000001": Entry(
            lineType: .mobile, carrier: .init(name: "Vodafone UK", mobileCountryCode: "276", mobileNetworkCode: "02"),
            recentlySwapped: true, callForwarding: true, lineStatus: "active"),
        "+15108675310": Entry(
            lineType: .mobile, carrier: .init(name: "T-Mobile USA, Inc.", mobileCountryCode: "310", mobileNetworkCode: "160")),
        // The sandbox's own.
        "+15005550006": Entry(
            lineType: .nonFixedVoip, carrier: .init(name: "Twilio - SMS/MMS-SVR", mobileCountryCode: "311", mobileNetworkCode: "950"),
            callerName: ("TWILIO SANDBOX", "BUSINESS")),
        "+14155550100": Entry(
            lineType: .mobile, carrier: .init(name: "Verizon Wireless", mobileCountryCode: "311", mobileNetworkCode: "480"),
            callerName: ("ALEX RIVERA", "CONSUMER"), smsPumpingRiskScore: 5, recentlySwapped: false, callForwarding: false,
            lineStatus: "active", reassigned: "no"),
        "+14155550190": Entry(
            lineType: .landline, carrier: .init(name: "Lumen Technologies", mobileCountryCode: nil, mobileNetworkCode: nil),
            callerName: ("SANDBOX BAKERY", "BUSINESS"), smsPumpingRiskScore: 10, lineStatus: "active", reassigned: "no"),
        "+14155550191": Entry(
            lineType: .fixedVoip,
            carrier: .init(name: "Bandwidth/13 - Bandwidth.com - SVR", mobileCountryCode: "313", mobileNetworkCode: "981")),
        "+14155550192": Entry(
            lineType: .nonFixedVoip, carrier: .init(name: "Twilio - SMS/MMS-SVR", mobileCountryCode: "311", mobileNetworkCode: "950")),
        "+14155550193": Entry(
            lineType: .mobile, carrier: .init(name: "T-Mobile USA, Inc.", mobileCountryCode: "310", mobileNetworkCode: "260"),
            callerName: ("RILEY NGUYEN", "CONSUMER"), smsPumpingRiskScore: 95, recentlySwapped: true, callForwarding: true,
            lineStatus: "inactive", reassigned: "yes"),
        "+18005550100": Entry(
            lineType: .tollFree, carrier: .init(name: nil, mobileCountryCode: nil, mobileNetworkCode: nil),
            callerName: ("SANDBOX SUPPORT", "BUSINESS")),
    ]
}
