import ComponentCore
import Foundation
import HTTPTypes

/// Twilio's Messages resource for one authenticated account, with Twilio's validation and codes.
struct MessagesAPI {
    let core: SandboxCore
    let account: String

    private func value(_ form: [(String, String)], _ name: String) -> String? {
        form.first { $0.0 == name }?.1
    }

    // MARK: Create

    func create(_ form: [(String, String)]) -> Result<JSONValue, TwilioAPIError> {
        let to = value(form, "To") ?? ""
        var from = value(form, "From") ?? ""
        var service = value(form, "MessagingServiceSid") ?? ""
        var body = value(form, "Body") ?? ""
        let media = form.filter { $0.0 == "MediaUrl" }.map(\.1)
        let content = value(form, "ContentSid") ?? ""
        let contentVariables = value(form, "ContentVariables")
        // A Messaging Service SID may also be given as From.
        if service.isEmpty, Self.matches(from, prefix: "MG") {
            service = from
            from = ""
        }

        if from.isEmpty && service.isEmpty { return .failure(.missingFromOrService) }
        if to.isEmpty { return .failure(.missingTo) }
        if body.isEmpty && media.isEmpty && content.isEmpty { return .failure(.missingBody) }
        if !service.isEmpty, !Self.matches(service, prefix: "MG") {
            return .failure(.invalidParameter("MessagingServiceSid must be MG followed by 32 hexadecimal digits, but is \(service)."))
        }
        if contentVariables != nil, content.isEmpty { return .failure(.contentSidRequired) }
        if !content.isEmpty {
            // A template's rendered body is the message's body (a Body sent beside it is not used).
            guard Self.matches(content, prefix: "HX"), let template = core.contents.template(sid: content) else {
                return .failure(.invalidContentSid(content))
            }
            let rendered = ContentPlaceholders.variables(contentVariables ?? "{}").flatMap {
                ContentPlaceholders.render(template, variables: $0)
            }
            switch rendered {
            case .success(let text): body = text
            case .failure(let problem): return .failure(.invalidContentVariables(problem.message))
            }
        }
        if let problem = Self.optionProblem(form, hasService: !service.isEmpty) { return .failure(problem) }
        if value(form, "SmartEncoded") == "true" { body = SendOptions.smartEncoded(body) }
        if value(form, "ShortenUrls") == "true" { body = SendOptions.shortenedLinks(body) }
        if body.count > 1600 { return .failure(.bodyTooLong) }
        if !from.isEmpty {
            guard PhoneNumberRules.isValidFrom(from) else { return .failure(.invalidFrom(from)) }
            if let error = MagicNumbers.fromError(from) { return .failure(error) }
        }
        guard PhoneNumberRules.isValidTo(to) else { return .failure(.invalidTo(to)) }
        if let error = MagicNumbers.toError(to) { return .failure(error) }
        if to == from { return .failure(.sameToAndFrom(to)) }
        if !from.isEmpty, Self.isWhatsApp(from) != Self.isWhatsApp(to) { return .failure(.channelMismatch(from: from, to: to)) }
        if media.count > 10 { return .failure(.tooManyMedia) }
        if let bad = media.first(where: { !Self.isWebURL($0) }) { return .failure(.invalidMediaURL(bad)) }
        let callback = value(form, "StatusCallback").flatMap { $0.isEmpty ? nil : $0 }
        if let callback, !Self.isWebURL(callback) { return .failure(.invalidCallback(callback)) }
        if let validity = value(form, "ValidityPeriod") {
            guard let seconds = Int(validity), (1...36000).contains(seconds) else {
                return .failure(.invalidParameter("ValidityPeriod must be a whole number of seconds from 1 to 36000, but is \(validity)."))
            }
        }

        let now = core.now
        var sendAt: Double?
        let scheduleType = value(form, "ScheduleType")
        let sendAtText = value(form, "SendAt")
        if let scheduleType, scheduleType != "fixed" {
            return .failure(.invalidParameter("ScheduleType must be fixed, but is \(scheduleType)."))
        }
        if scheduleType == "fixed" || sendAtText != nil {
            guard let sendAtText, !sendAtText.isEmpty else { return .failure(.scheduleWithoutSendAt) }
            guard scheduleType == "fixed" else {
                return .failure(.invalidParameter("SendAt needs ScheduleType=fixed."))
            }
            if service.isEmpty { return .failure(.scheduleWithoutService) }
            guard let date = ISO8601Timestamp.date(from: sendAtText) else {
                return .failure(
                    .invalidParameter("SendAt must be an ISO 8601 date-time such as 2025-05-14T22:42:25Z, but is \(sendAtText)."))
            }
            let ahead = date.timeIntervalSince1970 - now
            if ahead < 300 { return .failure(.sendAtTooSoon) }
            if ahead > 35 * 86_400 { return .failure(.sendAtTooLate) }
            sendAt = date.timeIntervalSince1970
        }

        let message = core.store.insert { sequence in
            StoredMessage(
                sid: Self.newSid(media.isEmpty ? "SM" : "MM"), accountSid: account, sequence: sequence, direction: "outbound-api",
                to: to, from: from.isEmpty ? nil : from, messagingServiceSid: service.isEmpty ? nil : service, body: body,
                mediaURLs: media, statusCallback: callback, createdAt: now, updatedAt: nil, sendAt: sendAt, canceled: false,
                outcome: core.deliveryFailures.outcome(for: to), numSegments: SegmentCounter.segments(of: body))
        }
        if let callback { scheduleStatusCallbacks(for: message, url: callback) }
        return .success(message.json(now: now, step: core.step, asCreated: true))
    }

    private static func isWhatsApp(_ address: String) -> Bool {
        address.lowercased().hasPrefix("whatsapp:")
    }

    /// The send options Twilio checks the form of: booleans written `true`/`false`, MaxPrice a
    /// non-negative decimal, RiskCheck `enable`/`disable`, Attempt a positive whole number; and
    /// ShortenUrls only through a Messaging Service, whose Link Shortening domain it uses.
    private static func optionProblem(_ form: [(String, String)], hasService: Bool) -> TwilioAPIError? {
        for (name, value) in form {
            switch name {
            case "ShortenUrls", "SmartEncoded", "ForceDelivery", "ProvideFeedback":
                guard value == "true" || value == "false" else {
                    return .invalidParameter("\(name) must be true or false, but is \(value).")
                }
                if name == "ShortenUrls", value == "true", !hasService {
                    return .invalidParameter(
                        "ShortenUrls needs a MessagingServiceSid: links are shortened on a Messaging Service's domain.")
                }
            case "MaxPrice":
                guard let price = Double(value), price >= 0, price.isFinite else {
                    return .invalidParameter("MaxPrice must be a non-negative decimal number of USD, but is \(value).")
                }
            case "RiskCheck":
                guard value == "enable" || value == "disable" else {
                    return .invalidParameter("RiskCheck must be enable or disable, but is \(value).")
                }
            case "Attempt":
                guard let attempt = Int(value), attempt >= 1 else {
                    return .invalidParameter("Attempt must be a whole number from 1, but is \(value).")
                }
            default: continue
            }
        }
        return nil
    }

    /// Posts a status callback at each transition after the first, in order, stopping if the
    /// message is canceled or deleted meanwhile.
    private func scheduleStatusCallbacks(for message: StoredMessage, url: String) {
        let core = core
        Task.detached {
            for transition in message.transitions(step: core.step).dropFirst() {
                let wait = transition.at - core.now
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                guard let current = core.store.message(account: message.accountSid, sid: message.sid),
                    !current.canceled
                        || transition.status == "canceled"
                else { return }
                var parameters: [(String, String)] = [
                    ("AccountSid", message.accountSid), ("ApiVersion", "2010-04-01"), ("From", message.from ?? ""),
                    ("MessageSid", message.sid), ("MessageStatus", transition.status), ("SmsSid", message.sid),
                    ("SmsStatus", transition.status), ("To", message.to),
                ]
                if let service = message.messagingServiceSid { parameters.append(("MessagingServiceSid", service)) }
                switch (transition.status, message.outcome) {
                case ("failed", .failed(let code)), ("undelivered", .undelivered(let code)):
                    parameters.append(("ErrorCode", String(code)))
                default: break
                }
                if transition.status == "delivered" || transition.status == "undelivered" {
                    parameters.append(("RawDlrDoneDate", Self.rawDlrDate(transition.at)))
                }
                await core.webhooks.deliver(kind: "status", url: url, messageSid: message.sid, parameters: parameters)
            }
        }
    }

    // MARK: Fetch, update, delete

    func fetch(sid: String, path: String) -> Result<JSONValue, TwilioAPIError> {
        guard let message = core.store.message(account: account, sid: sid) else { return .failure(.notFound(path)) }
        return .success(message.json(now: core.now, step: core.step))
    }

    func update(sid: String, form: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        let body = value(form, "Body")
        let status = value(form, "Status")
        let now = core.now
        let step = core.step
        do {
            let updated = try core.store.update(account: account, sid: sid) { (message: inout StoredMessage) throws(TwilioAPIError) in
                switch (body, status) {
                case ("", nil):
                    // Twilio redacts only a message past its flight: one still to be sent could not be.
                    let status = message.state(at: now, step: step).status
                    guard !["accepted", "scheduled", "queued", "sending"].contains(status) else {
                        throw Self.redactionInFlight(status)
                    }
                    message.body = ""
                    message.updatedAt = now
                case (nil, "canceled"?):
                    guard message.state(at: now, step: step).status == "scheduled" else { throw .cannotCancel }
                    message.canceled = true
                    message.updatedAt = now
                default:
                    throw .invalidUpdate
                }
            }
            guard let updated else { return .failure(.notFound(path)) }
            return .success(updated.json(now: now, step: step))
        } catch {
            return .failure(error)
        }
    }

    static func redactionInFlight(_ status: String) -> TwilioAPIError {
        TwilioAPIError(
            code: 20009, status: 400,
            message: "Cannot redact this message before it is complete: it is \(status). Redact it once it is sent, delivered or failed.")
    }

    func delete(sid: String, path: String) -> Result<Void, TwilioAPIError> {
        guard let message = core.store.message(account: account, sid: sid) else { return .failure(.notFound(path)) }
        if ["accepted", "queued", "sending"].contains(message.state(at: core.now, step: core.step).status) {
            return .failure(.deleteInProgress)
        }
        return core.store.delete(account: account, sid: sid) ? .success(()) : .failure(.notFound(path))
    }

    func accountJSON() -> JSONValue {
        let created = TwilioDate.string(fromUnixSeconds: 1_577_836_800)
        let uri = "/2010-04-01/Accounts/\(account)"
        return [
            "date_created": .string(created), "date_updated": .string(created), "friendly_name": "Sandbox account",
            "owner_account_sid": .string(account), "sid": .string(account), "status": "active",
            "subresource_uris": ["messages": .string(uri + "/Messages.json")], "type": "Full", "uri": .string(uri + ".json"),
        ]
    }

    // MARK: List

    func list(_ query: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        let now = core.now
        let step = core.step

        var filters: [(String, String)] = []
        for name in ["To", "From", "DateSent", "DateSent<", "DateSent>"] {
            if let filter = value(query, name) { filters.append((name, filter)) }
        }
        var ranges: [(ClosedRange<Double>)] = []
        for (name, text) in filters where name.hasPrefix("DateSent") {
            guard let range = Self.dateRange(text, operator: String(name.dropFirst(8))) else {
                return .failure(.invalidParameter("\(name) must be a date such as 2025-05-14 or 2025-05-14T22:42:25Z, but is \(text)."))
            }
            ranges.append(range)
        }
        let to = value(query, "To")
        let from = value(query, "From")
        let matching = core.store.messages(account: account).filter { message in
            if let to, message.to != to { return false }
            if let from, message.from != from { return false }
            if !ranges.isEmpty {
                guard let sent = message.state(at: now, step: step).dateSent else { return false }
                return ranges.allSatisfy { $0.contains(sent) }
            }
            return true
        }
        return ListPage.envelope(
            key: "messages", sequences: matching.map(\.sequence), items: { range in matching[range].map { $0.json(now: now, step: step) } },
            query: query, filters: filters, path: path)
    }

    /// The instants a DateSent filter admits: the whole UTC day of a date, or from/to an exact time.
    static func dateRange(_ text: String, operator op: String) -> ClosedRange<Double>? {
        let dateOnly = ISO8601Timestamp.isCalendarDate(text)
        guard let date = ISO8601Timestamp.date(from: text) ?? TwilioDate.date(from: text) else { return nil }
        let start = date.timeIntervalSince1970
        let endOfDay = dateOnly ? start + 86_400 - 0.001 : start
        switch op {
        case "<": return -Double.greatestFiniteMagnitude...endOfDay
        case ">": return start...Double.greatestFiniteMagnitude
        default: return start...endOfDay
        }
    }

    // MARK: Helpers

    static func newSid(_ prefix: String) -> String {
        prefix + String(format: "%016llx%016llx", UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    }

    static func matches(_ sid: String, prefix: String) -> Bool {
        sid.count == 34 && sid.hasPrefix(prefix) && sid.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, !host.contains("_")
        else { return false }
        return true
    }

    /// `YYMMDDhhmm` in UTC, as carriers report delivery.
    static func rawDlrDate(_ seconds: Double) -> String {
        let iso = ISO8601Timestamp.string(from: Date(timeIntervalSince1970: seconds))
        let digits = iso.filter(\.isNumber)
        return String(digits.dropFirst(2).prefix(10))
    }
}
