import ComponentCore
import ComponentRuntime

/// The checks makeCall and updateCall share, each problem a sentence naming its input, all of an
/// action's problems reported at once and before any request.
struct CallInputChecks {
    /// Twilio refuses a `Twiml` parameter longer than this (in characters).
    static let twimlLimit = 4000

    let owner: String
    private(set) var problems: [InputProblem] = []

    init(owner: String) {
        self.owner = owner
    }

    mutating func problem(_ key: String, _ label: String, _ message: String) {
        problems.append(InputProblem(key: key, label: label, message: "Input '\(key)' (\(label)) \(message)"))
    }

    /// Throws every problem found, if any.
    func finish() throws(ComponentError) {
        guard problems.isEmpty else { throw ComponentError(InputErrors(owner: owner, problems: problems)) }
    }

    /// Of the instruction inputs (key, label, whether given), exactly one must be given: a
    /// problem names the first when none is, else each one after the first.
    mutating func exactlyOne(_ inputs: [(key: String, label: String, given: Bool)], what: String) {
        let given = inputs.filter(\.given)
        let names = Self.list(inputs.map(\.label))
        guard let first = given.first else {
            problem(
                inputs[0].key, inputs[0].label,
                "is required unless \(Self.list(inputs.dropFirst().map(\.label), or: true)) is given: \(what); give exactly one of \(names)."
            )
            return
        }
        for other in given.dropFirst() {
            problem(other.key, other.label, "cannot be combined with \(first.label): give exactly one of \(names).")
        }
    }

    /// Raw TwiML: well-formed, a `<Response>` of known verbs, and short enough for Twilio.
    mutating func twiml(_ text: String, key: String = "twiml", label: String = "TwiML") {
        if let problem = TwiMLCheck.problem(in: text) {
            // TwiMLCheck's sentence begins a message of its own ("It is not ..."): continue it.
            let continued = problem.hasPrefix("It ") ? "it " + problem.dropFirst(3) : Substring(problem)
            self.problem(key, label, "is not valid TwiML: \(continued).")
        } else if text.count > Self.twimlLimit {
            problem(
                key, label,
                "has \(text.count) characters; Twilio takes at most \(Self.twimlLimit) in a request: serve the TwiML from a URL and give that instead."
            )
        }
    }

    /// An http or https URL Twilio can fetch.
    mutating func webURL(_ value: String?, key: String, label: String) {
        guard let value, !SendSMS.isWebURL(value) else { return }
        problem(key, label, "'\(value)' is not an absolute http or https URL Twilio can reach.")
    }

    /// How to write an address a call can reach, for the sentences refusing one.
    static let addressForms =
        "write it as E.164 (+14155550100), national digits with the Default Country Code, client:name or a sip: address"

    /// The channels a call reaches besides phone numbers.
    static let callChannels: Set<String> = ["client", "sip"]

    /// The address of one end of a call as Twilio stores it, or nil after noting the problem
    /// (see ``callAddress(_:defaultCountryCode:)``).
    mutating func address(_ value: String, key: String, label: String, defaultCountryCode: String) -> String? {
        switch Self.callAddress(value, defaultCountryCode: defaultCountryCode) {
        case .success(let normalized): return normalized
        case .failure(let refusal):
            problem(key, label, "'\(value)' \(refusal.reason); \(Self.addressForms).")
            return nil
        }
    }

    /// An address a call can reach, as Twilio stores it, by ``PhoneNumberNormalizer`` (the rule
    /// listCalls filters by, so that a dry run's `expected` and a listed call match): a phone
    /// number in E.164, a `client:` or `sip:` address with its scheme lowercased. Other channels
    /// (`whatsapp:`) are refused.
    static func callAddress(_ value: String, defaultCountryCode: String) -> Result<String, PhoneNumberNormalizer.Refusal> {
        if let channel = PhoneNumberNormalizer.channel(of: value), !callChannels.contains(channel) {
            return .failure(PhoneNumberNormalizer.Refusal(reason: "is a \(channel): address, which a call cannot reach"))
        }
        return PhoneNumberNormalizer.normalize(value, role: .to, defaultCountryCode: defaultCountryCode)
    }

    /// `A, B and C` (or `A, B or C`).
    static func list(_ names: [String], or: Bool = false) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + names[names.count - 1]
    }
}
