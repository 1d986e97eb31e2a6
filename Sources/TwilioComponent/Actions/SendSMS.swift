import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// `sendSMS`: one message, never sent twice. Addresses are normalised and every input checked
/// before any request; only failures that prove nothing reached Twilio, and 429s, are retried.
struct SendSMS: ActionHandler {
    struct Input: Decodable, Sendable {
        var from: String?
        var body: String?
        var to: String
        var messagingServiceSid: String?
        var mediaUrls: [String]?
        var statusCallback: String?
        var validityPeriod: Int?
        var sendAt: Date?
        var defaultCountryCode: String
        var dryRun: Bool
        var contentSid: String?
        var contentVariables: [KeyValueInput]?
        var shortenUrls: Bool?
        var smartEncoded: Bool?
        var maxPrice: Double?
        var riskCheck: String?
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, settings: settings)
        let path = api.accountPath + "/Messages.json"
        if input.dryRun {
            var fields = JSONObject()
            for (name, value) in form {
                if name == "MediaUrl" {
                    fields[name] = .array((fields[name]?.arrayValue ?? []) + [.string(value)])
                } else {
                    fields[name] = .string(value)
                }
            }
            var plan: JSONObject = ["dryRun": true, "method": "POST", "url": .string(api.baseURL + path), "form": .object(fields)]
            if let template = input.contentSid {
                // Twilio renders the template's approved body with the variables; only it knows that body.
                plan["encoding"] = .null
                plan["segments"] = .null
                plan["characters"] = .null
                plan["note"] = .string(
                    "The text is content template \(template) rendered by Twilio with the Content Variables, so its encoding and segments cannot be counted before Twilio renders it."
                )
            } else {
                // The text as Twilio will send it: Smart Encoding applies before it counts segments.
                let text = input.smartEncoded == true ? SMSEncoding.smartEncoded(input.body ?? "") : (input.body ?? "")
                let encoding = SMSEncoding(text)
                plan["encoding"] = .string(encoding.scheme.rawValue)
                plan["segments"] = .integer(encoding.segments)
                plan["characters"] = .integer(text.count)
            }
            let message = ExpectedMessage(
                to: form.first { $0.0 == "To" }?.1 ?? input.to, from: form.first { $0.0 == "From" }?.1, body: input.body ?? "",
                template: input.contentSid != nil, smartEncoded: input.smartEncoded == true, shortenUrls: input.shortenUrls == true,
                viaService: input.messagingServiceSid != nil)
            plan["expected"] = message.expected
            plan["uncertain"] = .array(message.uncertain.map(JSONValue.string))
            return .object(plan)
        }
        let message = try await api.json(HTTPClientRequest(method: .post, url: path, body: .form(form)))
        return MessageOutput.map(message)
    }

    /// The form Twilio receives, in its parameter order, or every input problem at once.
    static func form(for input: Input) throws(ComponentError) -> [(String, String)] {
        var problems: [InputProblem] = []
        func problem(_ key: String, _ label: String, _ message: String) {
            problems.append(InputProblem(key: key, label: label, message: "Input '\(key)' (\(label)) \(message)"))
        }
        func address(_ value: String, key: String, label: String, role: PhoneNumberNormalizer.Role) -> String? {
            switch PhoneNumberNormalizer.normalize(value, role: role, defaultCountryCode: input.defaultCountryCode) {
            case .success(let normalized): return normalized
            case .failure(let refusal):
                let forms =
                    role == .from
                    ? "E.164 (+14155550100), national digits with the Default Country Code, a short code, an alphanumeric sender ID, or a channel address such as whatsapp:+14155550100"
                    : "E.164 (+14155550100), national digits with the Default Country Code, or a channel address such as whatsapp:+14155550100"
                problem(key, label, "'\(value)' \(refusal.reason); write it as \(forms).")
                return nil
            }
        }

        let to = address(input.to, key: "to", label: "To", role: .to)
        var from: String?
        if let raw = input.from, !raw.isEmpty { from = address(raw, key: "from", label: "From", role: .from) }
        let service = input.messagingServiceSid
        if input.from == nil, service == nil {
            problem("from", "From", "is required unless a Messaging Service SID is given: Twilio needs a sender (error 21603).")
        }
        let body = input.body ?? ""
        let media = input.mediaUrls ?? []
        let template = input.contentSid
        if body.isEmpty, media.isEmpty, template == nil {
            problem(
                "body", "Message", "is required unless Media URLs or a Content SID are given: Twilio needs something to send (error 21602)."
            )
        }
        let variables = input.contentVariables ?? []
        if !variables.isEmpty {
            if template == nil {
                problem(
                    "contentVariables", "Content Variables",
                    "needs a Content SID: the variables fill the placeholders of a content template (error 21654).")
            }
            var names: Set<String> = []
            var repeated: [String] = []
            for variable in variables where !names.insert(variable.key).inserted && !repeated.contains(variable.key) {
                repeated.append(variable.key)
            }
            for name in repeated {
                problem("contentVariables", "Content Variables", "names '\(name)' more than once; each placeholder takes one value.")
            }
            for variable in variables where variable.value.isEmpty {
                problem(
                    "contentVariables", "Content Variables",
                    "gives '\(variable.key)' no value; Twilio refuses an empty variable (error 21656), so leave it out to use the template's own."
                )
            }
        }
        if input.shortenUrls == true, service == nil {
            problem(
                "shortenUrls", "Shorten URLs",
                "needs a Messaging Service SID: Twilio shortens links on the Link Shortening domain of a Messaging Service.")
        }
        if media.count > 10 { problem("mediaUrls", "Media URLs", "has \(media.count) URLs; Twilio takes at most 10 per message.") }
        for url in media where !isWebURL(url) {
            problem("mediaUrls", "Media URLs", "holds '\(url)', which is not an http or https URL Twilio can fetch.")
        }
        if let callback = input.statusCallback, !isWebURL(callback) {
            problem("statusCallback", "Status Callback URL", "'\(callback)' is not an http or https URL.")
        }
        if let sendAt = input.sendAt {
            if service == nil {
                problem("sendAt", "Send At", "needs a Messaging Service SID: Twilio schedules messages only through a Messaging Service.")
            }
            let ahead = sendAt.timeIntervalSinceNow
            if ahead <= 300 || ahead > 35 * 86_400 {
                problem(
                    "sendAt", "Send At",
                    "must be more than 5 minutes and at most 35 days ahead, but is \(ISO8601Timestamp.string(from: sendAt)).")
            }
        }
        if let to, let from, to == from {
            problem("to", "To", "is the same as From; Twilio does not send a message to its sender (error 21266).")
        }
        if let to, let from, Self.isWhatsApp(from) != Self.isWhatsApp(to) {
            if Self.isWhatsApp(from) {
                problem(
                    "to", "To",
                    "'\(input.to)' is not a WhatsApp address, but From is a WhatsApp sender, which sends only to WhatsApp; write it as whatsapp:\(to) (error 21910)."
                )
            } else {
                problem(
                    "from", "From",
                    "'\(input.from ?? "")' is not a WhatsApp sender, but To is a WhatsApp address; write it as whatsapp:\(from) (error 21910)."
                )
            }
        }
        guard problems.isEmpty, let to else { throw ComponentError(InputErrors(owner: "action 'sendSMS'", problems: problems)) }

        var form: [(String, String)] = [("To", to)]
        if let from { form.append(("From", from)) }
        if let service { form.append(("MessagingServiceSid", service)) }
        if !body.isEmpty { form.append(("Body", body)) }
        for url in media { form.append(("MediaUrl", url)) }
        if let callback = input.statusCallback { form.append(("StatusCallback", callback)) }
        if let validity = input.validityPeriod { form.append(("ValidityPeriod", String(validity))) }
        if let sendAt = input.sendAt {
            form.append(("ScheduleType", "fixed"))
            form.append(("SendAt", String(ISO8601Timestamp.string(from: sendAt).prefix(19)) + "Z"))
        }
        if let template { form.append(("ContentSid", template)) }
        if !variables.isEmpty {
            // Twilio takes the variables as one JSON object, written as text: {"1":"Friday"}.
            let object = JSONObject(variables.map { ($0.key, JSONValue.string($0.value)) })
            form.append(("ContentVariables", JSONWriter.string(from: .object(object))))
        }
        if let shorten = input.shortenUrls { form.append(("ShortenUrls", shorten ? "true" : "false")) }
        if let smart = input.smartEncoded { form.append(("SmartEncoded", smart ? "true" : "false")) }
        if let price = input.maxPrice { form.append(("MaxPrice", JSONWriter.string(from: .number(price)))) }
        if let risk = input.riskCheck { form.append(("RiskCheck", risk)) }
        return form
    }

    /// Whether an address is on WhatsApp (`whatsapp:+14155550100`).
    static func isWhatsApp(_ address: String) -> Bool {
        address.utf8.count > 9 && address.prefix(9).lowercased() == "whatsapp:"
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}
