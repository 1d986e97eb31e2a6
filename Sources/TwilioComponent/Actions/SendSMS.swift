import ComponentCore
import ComponentHTTP
import ComponentRuntime
import Foundation
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
    }

    let configuration: TwilioConfiguration

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let form = try Self.form(for: input)
        let api = try TwilioAPI(context: context, configuration: configuration)
        let path = api.accountPath + "/Messages.json"
        if input.dryRun {
            let encoding = SMSEncoding(input.body ?? "")
            var fields = JSONObject()
            for (name, value) in form {
                if name == "MediaUrl" {
                    fields[name] = .array((fields[name]?.arrayValue ?? []) + [.string(value)])
                } else {
                    fields[name] = .string(value)
                }
            }
            return [
                "dryRun": true, "method": "POST", "url": .string(api.baseURL + path), "form": .object(fields),
                "encoding": .string(encoding.scheme.rawValue), "segments": .integer(encoding.segments),
                "characters": .integer((input.body ?? "").count),
            ]
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
        if body.isEmpty, media.isEmpty {
            problem("body", "Message", "is required unless Media URLs are given: Twilio needs something to send (error 21602).")
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
        return form
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return false }
        return true
    }
}
