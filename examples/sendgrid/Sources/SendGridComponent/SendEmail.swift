import ComponentKit
import Foundation

/// `sendEmail`: one message through `POST /v3/mail/send`. Every input is checked before any
/// request, so that SendGrid's 400s are left for what only it can know (an unverified sender, a
/// template that does not exist).
struct SendEmail: ActionHandler {
    struct Input: Decodable, Sendable {
        var from: String
        var fromName: String?
        var to: [String]
        var cc: [String]?
        var bcc: [String]?
        var replyTo: String?
        var subject: String?
        var text: String?
        var html: String?
        var templateId: String?
        var templateData: JSONValue?
        var categories: [String]?
        var sendAt: Date?
        var customArgs: [KeyValue]?
        var sandboxMode: Bool
    }

    /// One entry of a key-value list input.
    struct KeyValue: Decodable, Sendable {
        var key: String
        var value: String
    }

    struct Output: Encodable, Sendable {
        /// SendGrid's `X-Message-Id`; each event's `sg_message_id` starts with it.
        var messageId: String?
        var status: Int
        /// Whether SendGrid queued the email for delivery (202); a sandbox-mode check answers 200.
        var accepted: Bool
    }

    /// The request SendGrid receives, and which input each `content` entry came from.
    struct Request: Sendable {
        var body: JSONValue
        var contentInputs: [String]
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> Output {
        let request = try Self.request(for: input, now: Date())
        let contentInputs = request.contentInputs
        let api = try SendGridAPI(context: context, settings: settings) { field in
            Self.input(forField: field, contentInputs: contentInputs)
        }
        let response = try await api.client.send(HTTPClientRequest(method: .post, url: "/v3/mail/send", body: .json(request.body)))
        let messageId = response.headerFields[Self.messageIdField]
        context.logger.info(
            "SendGrid answered \(response.status.code)", metadata: ["messageId": .string(messageId ?? "none")])
        return Output(messageId: messageId, status: response.status.code, accepted: response.status.code == 202)
    }

    static let messageIdField = HTTPField.Name("X-Message-Id")!

    /// SendGrid's limits, checked before sending.
    static let maximumRecipients = 1000
    static let maximumCategories = 10
    static let maximumCategoryLength = 255
    static let maximumCustomArgsBytes = 10_000
    static let maximumScheduleAhead: TimeInterval = 72 * 3600

    /// The Mail Send body for `input`, or every input problem at once.
    static func request(for input: Input, now: Date) throws(ComponentError) -> Request {
        var problems: [InputProblem] = []
        func problem(_ key: String, _ message: String) {
            problems.append(InputProblem(key: key, label: labels[key], message: "Input '\(key)' (\(labels[key] ?? key)) \(message)"))
        }

        // Addresses: each checked, recipients unique across To, CC and BCC (SendGrid refuses repeats).
        var seen: [String: String] = [:]
        func recipients(_ values: [String]?, key: String) -> [String] {
            var addresses: [String] = []
            for address in splitAddresses(values ?? []) {
                guard isAddress(address) else {
                    problem(key, "holds '\(address)', which is not an email address such as alex@example.com.")
                    continue
                }
                if let first = seen[address.lowercased()] {
                    problem(
                        key,
                        first == key
                            ? "names \(address) twice; SendGrid sends to each address once."
                            : "repeats \(address), already in '\(first)'; SendGrid refuses an address given twice among To, CC and BCC.")
                    continue
                }
                seen[address.lowercased()] = key
                addresses.append(address)
            }
            return addresses
        }
        let from = input.from.trimmingCharacters(in: .whitespaces)
        if !isAddress(from) { problem("from", "'\(from)' is not an email address such as orders@example.com.") }
        let to = recipients(input.to, key: "to")
        if to.isEmpty, !problems.contains(where: { $0.key == "to" }) { problem("to", "is required: give at least one recipient.") }
        let cc = recipients(input.cc, key: "cc")
        let bcc = recipients(input.bcc, key: "bcc")
        if to.count + cc.count + bcc.count > maximumRecipients {
            problem(
                "to",
                "with CC and BCC makes \(to.count + cc.count + bcc.count) recipients; SendGrid takes at most \(maximumRecipients) per email."
            )
        }
        var replyTo: String?
        if let raw = input.replyTo?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if isAddress(raw) { replyTo = raw } else { problem("replyTo", "'\(raw)' is not an email address such as support@example.com.") }
        }

        // Content: a template, or a subject and a body.
        let template = input.templateId
        let subject = input.subject.flatMap { $0.isEmpty ? nil : $0 }
        let text = input.text.flatMap { $0.isEmpty ? nil : $0 }
        let html = input.html.flatMap { $0.isEmpty ? nil : $0 }
        if template == nil {
            if subject == nil { problem("subject", "is required unless a Dynamic Template ID gives the subject.") }
            if text == nil, html == nil {
                problem(
                    "text", "or HTML Body is required unless a Dynamic Template ID gives the content: SendGrid needs something to send.")
            }
        }
        var templateData: JSONObject?
        if let data = input.templateData, data != .null {
            // A form gives the object as JSON text.
            let value = data.stringValue.flatMap { try? JSONParser.parse(Data($0.utf8)) } ?? data
            if let object = value.objectValue {
                templateData = object
            } else {
                problem("templateData", "must be a JSON object of placeholder values, such as {\"firstName\": \"Alex\"}.")
            }
            if template == nil { problem("templateData", "needs a Dynamic Template ID: the values fill that template's placeholders.") }
        }

        let categories = input.categories ?? []
        if categories.count > maximumCategories {
            problem("categories", "has \(categories.count) categories; SendGrid takes at most \(maximumCategories) per email.")
        }
        for category in categories where category.count > maximumCategoryLength {
            problem("categories", "holds a category of \(category.count) characters; SendGrid takes at most \(maximumCategoryLength).")
        }
        if Set(categories).count != categories.count { problem("categories", "names a category twice; SendGrid refuses repeats.") }

        var sendAt: Int?
        if let date = input.sendAt {
            if date.timeIntervalSince(now) > maximumScheduleAhead {
                problem("sendAt", "is more than 72 hours ahead; SendGrid schedules an email at most 72 hours in advance.")
            }
            sendAt = Int(date.timeIntervalSince1970.rounded(.down))
        }

        var customArgs = JSONObject()
        for argument in input.customArgs ?? [] {
            if argument.key.isEmpty { problem("customArgs", "has an entry without a name; write each as name=value.") }
            if customArgs.contains(argument.key) {
                problem("customArgs", "names '\(argument.key)' twice; each custom argument takes one value.")
            }
            customArgs[argument.key] = .string(argument.value)
        }
        if JSONWriter.string(from: .object(customArgs)).utf8.count > maximumCustomArgsBytes {
            problem("customArgs", "adds up to more than \(maximumCustomArgsBytes) bytes; SendGrid takes at most that much per email.")
        }

        guard problems.isEmpty else { throw ComponentError(InputErrors(owner: "action 'sendEmail'", problems: problems)) }

        func addresses(_ list: [String]) -> JSONValue { .array(list.map { ["email": .string($0)] }) }
        var personalization: JSONObject = ["to": addresses(to)]
        if !cc.isEmpty { personalization["cc"] = addresses(cc) }
        if !bcc.isEmpty { personalization["bcc"] = addresses(bcc) }
        if let templateData { personalization["dynamic_template_data"] = .object(templateData) }

        var body: JSONObject = ["personalizations": [.object(personalization)]]
        var sender: JSONObject = ["email": .string(from)]
        if let name = input.fromName, !name.isEmpty { sender["name"] = .string(name) }
        body["from"] = .object(sender)
        if let replyTo { body["reply_to"] = ["email": .string(replyTo)] }
        if let subject { body["subject"] = .string(subject) }
        // SendGrid requires text/plain before text/html.
        var content: [JSONValue] = []
        var contentInputs: [String] = []
        if let text {
            content.append(["type": "text/plain", "value": .string(text)])
            contentInputs.append("text")
        }
        if let html {
            content.append(["type": "text/html", "value": .string(html)])
            contentInputs.append("html")
        }
        if !content.isEmpty { body["content"] = .array(content) }
        if let template { body["template_id"] = .string(template) }
        if !categories.isEmpty { body["categories"] = .array(categories.map(JSONValue.string)) }
        if let sendAt { body["send_at"] = .integer(sendAt) }
        if !customArgs.isEmpty { body["custom_args"] = .object(customArgs) }
        if input.sandboxMode { body["mail_settings"] = ["sandbox_mode": ["enable": true]] }
        return Request(body: .object(body), contentInputs: contentInputs)
    }

    static let labels = [
        "from": "From", "fromName": "From Name", "to": "To", "cc": "CC", "bcc": "BCC", "replyTo": "Reply To", "subject": "Subject",
        "text": "Text Body", "html": "HTML Body", "templateId": "Dynamic Template ID", "templateData": "Template Data",
        "categories": "Categories", "sendAt": "Send At", "customArgs": "Custom Arguments", "sandboxMode": "Sandbox Mode",
    ]

    /// The input a field of SendGrid's error names (`personalizations.0.to.0.email` → `to`), if any.
    static func input(forField field: String, contentInputs: [String]) -> String? {
        var parts = field.split(separator: ".").map(String.init)
        if parts.first == "personalizations" {
            parts.removeFirst()
            if let index = parts.first, Int(index) != nil { parts.removeFirst() }
            // The personalization itself: its recipients (a repeat between To, CC and BCC).
            if parts.isEmpty { return "to" }
        }
        guard let head = parts.first else { return nil }
        switch head {
        case "to", "cc", "bcc": return head
        case "from": return parts.dropFirst().first == "name" ? "fromName" : "from"
        case "reply_to", "reply_to_list": return "replyTo"
        case "subject": return "subject"
        case "content":
            if parts.count > 1, let index = Int(parts[1]), contentInputs.indices.contains(index) { return contentInputs[index] }
            return contentInputs.first ?? "text"
        case "template_id": return "templateId"
        case "dynamic_template_data": return "templateData"
        case "categories": return "categories"
        case "send_at": return "sendAt"
        case "custom_args": return "customArgs"
        case "mail_settings" where parts.contains("sandbox_mode"): return "sandboxMode"
        default: return nil
        }
    }

    /// The addresses of a list input, each value also split at commas and semicolons (a list
    /// pasted as one line), trimmed, empties dropped.
    static func splitAddresses(_ values: [String]) -> [String] {
        values.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == ";" }) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Whether `text` looks like a plain address SendGrid takes (`local@domain.tld`): no display
    /// name, no spaces, a local part of at most 64 bytes, and a domain of dot-separated labels
    /// (internationalized ones included), none empty or edged with a hyphen.
    static func isAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 254, let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        let forbidden: Set<Character> = ["@", "<", ">", "(", ")", "[", "]", ",", ";", ":", "\\", "\""]
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            !local.contains(where: { $0.isWhitespace || forbidden.contains($0) })
        else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                label.allSatisfy({ $0 == "-" || $0.isLetter || $0.isNumber })
            else { return false }
        }
        return !(labels.last!.allSatisfy(\.isNumber))
    }
}
