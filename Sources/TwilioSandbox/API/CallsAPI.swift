import ComponentCore
import Foundation

/// Twilio's Calls resource for one authenticated account, with Twilio's validation and codes. A
/// created call runs in the background (``CallRunner``).
struct CallsAPI {
    let core: SandboxCore
    let account: String

    private var voice: VoiceServices { core.voice }

    private func value(_ form: [(String, String)], _ name: String) -> String? {
        form.first { $0.0 == name }?.1
    }

    static func newSid(_ prefix: String) -> String { MessagesAPI.newSid(prefix) }

    // MARK: Create

    func create(_ form: [(String, String)]) -> Result<JSONValue, TwilioAPIError> {
        let to = Self.address(value(form, "To") ?? "")
        let from = Self.address(value(form, "From") ?? "")
        if to.isEmpty { return .failure(.missingCallTo) }
        if from.isEmpty { return .failure(.missingCallFrom) }
        let url = value(form, "Url").flatMap { $0.isEmpty ? nil : $0 }
        // Twilio ignores Twiml when Url is given too (its OpenAPI says so).
        let twiml = url != nil ? nil : value(form, "Twiml").flatMap { $0.isEmpty ? nil : $0 }
        let application = value(form, "ApplicationSid").flatMap { $0.isEmpty ? nil : $0 }
        let given = [url, twiml, application].compactMap { $0 }.count
        if given == 0 { return .failure(.missingCallTwiML) }
        if given > 1 { return .failure(.severalCallTwiML) }
        guard let method = Self.method(value(form, "Method")) else {
            return .failure(.invalidParameter("Method must be GET or POST, but is \(value(form, "Method") ?? "")."))
        }
        let source: TwiMLSource
        if let url {
            guard MessagesAPI.isWebURL(url) else { return .failure(.invalidCallURL(url)) }
            source = .fetch(url, method: method)
        } else if let twiml {
            // Twilio counts characters, not bytes.
            if twiml.count > 4000 { return .failure(.invalidParameter("Twiml must be at most 4000 characters.")) }
            source = .inline(twiml)
        } else {
            guard let application, application == SandboxApplication.sid, let applicationSource = voice.application.source else {
                return .failure(.invalidApplication(application ?? ""))
            }
            source = applicationSource
        }
        guard PhoneNumberRules.isE164(Substring(from)) || from.hasPrefix("client:") else { return .failure(.invalidCallFrom(from)) }
        if from == "+15005550001" { return .failure(.invalidCallFrom(from)) }
        let isAddress = to.hasPrefix("client:") || to.hasPrefix("sip:")
        guard PhoneNumberRules.isE164(Substring(to)) || (isAddress && to.count > 4) else { return .failure(.invalidCallTo(to)) }
        if let error = TwilioAPIError.magicCallTo(to) { return .failure(error) }

        var settings = CallSettings()
        switch settingsProblem(form, into: &settings) {
        case let error?: return .failure(error)
        case nil: break
        }
        let now = core.now
        let call = voice.store.insertCall { sequence in
            StoredCall(
                sid: Self.newSid("CA"), accountSid: account, sequence: sequence, direction: "outbound-api", parentCallSid: nil, to: to,
                from: value(form, "CallerId").map(Self.address) ?? from, status: "queued", createdAt: now, updatedAt: now, source: source,
                settings: settings)
        }
        CallRunner.start(core: core, call: call.sid)
        return .success(call.json())
    }

    /// Reads the optional settings of a create into `settings`; the first problem found.
    private func settingsProblem(_ form: [(String, String)], into settings: inout CallSettings) -> TwilioAPIError? {
        if let callback = value(form, "StatusCallback"), !callback.isEmpty {
            guard MessagesAPI.isWebURL(callback) else { return .invalidStatusCallback(callback) }
            settings.statusCallback = callback
        }
        guard let callbackMethod = Self.method(value(form, "StatusCallbackMethod")) else {
            return .invalidParameter("StatusCallbackMethod must be GET or POST.")
        }
        settings.statusCallbackMethod = callbackMethod
        let events = form.filter { $0.0 == "StatusCallbackEvent" }.flatMap { $0.1.split(separator: " ").map(String.init) }
        if !events.isEmpty {
            if let bad = events.first(where: { !["initiated", "ringing", "answered", "completed"].contains($0) }) {
                return .invalidParameter("StatusCallbackEvent must be initiated, ringing, answered or completed, but is \(bad).")
            }
            settings.statusCallbackEvents = events
        }
        if let record = value(form, "Record") {
            guard record == "true" || record == "false" else { return .invalidParameter("Record must be true or false, but is \(record).") }
            settings.record = record == "true"
        }
        if let channels = value(form, "RecordingChannels") {
            guard channels == "mono" || channels == "dual" else {
                return .invalidParameter("RecordingChannels must be mono or dual, but is \(channels).")
            }
            settings.recordingChannels = channels
        }
        if let callback = value(form, "RecordingStatusCallback"), !callback.isEmpty {
            guard MessagesAPI.isWebURL(callback) else {
                return .invalidParameter("RecordingStatusCallback must be an http or https URL, but is \(callback).")
            }
            settings.recordingStatusCallback = callback
        }
        if let timeout = value(form, "Timeout") {
            guard let seconds = Int(timeout), (1...600).contains(seconds) else {
                return .invalidParameter("Timeout must be a whole number of seconds from 1 to 600, but is \(timeout).")
            }
            settings.timeout = seconds
        }
        if let limit = value(form, "TimeLimit") {
            guard let seconds = Int(limit), (1...86_400).contains(seconds) else {
                return .invalidParameter("TimeLimit must be a whole number of seconds from 1 to 86400, but is \(limit).")
            }
            settings.timeLimit = seconds
        }
        if let detection = value(form, "MachineDetection") {
            guard detection == "Enable" || detection == "DetectMessageEnd" else {
                return .invalidParameter("MachineDetection must be Enable or DetectMessageEnd, but is \(detection).")
            }
            settings.machineDetection = detection
        }
        if let digits = value(form, "SendDigits") {
            guard !digits.isEmpty, digits.count <= 32, digits.allSatisfy({ "0123456789*#wW".contains($0) }) else {
                return .invalidParameter("SendDigits may hold only 0-9, *, # and w, at most 32 of them, but is \(digits).")
            }
            settings.sendDigits = digits
        }
        return nil
    }

    /// `address` with a `client:` or `sip:` scheme, written in any case, lowercased
    /// (`Client:bob` → `client:bob`); anything else as given.
    static func address(_ address: String) -> String {
        for scheme in ["client:", "sip:"] where address.lowercased().hasPrefix(scheme) {
            return scheme + address.dropFirst(scheme.count)
        }
        return address
    }

    /// `GET` or `POST` (any case), `POST` when not given; `nil` for anything else.
    static func method(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return "POST" }
        let upper = text.uppercased()
        return upper == "GET" || upper == "POST" ? upper : nil
    }

    // MARK: Fetch, update, delete

    func fetch(sid: String, path: String) -> Result<JSONValue, TwilioAPIError> {
        guard let call = voice.store.call(sid, account: account) else { return .failure(.notFound(path)) }
        return .success(call.json())
    }

    /// `Status=canceled` (queued or ringing), `Status=completed` (hangs up; cancels a call not yet
    /// answered), `Url`/`Method` or `Twiml` (runs other TwiML on a call in progress), `StatusCallback`.
    func update(sid: String, form: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        let status = value(form, "Status")
        let url = value(form, "Url").flatMap { $0.isEmpty ? nil : $0 }
        let twiml = value(form, "Twiml").flatMap { $0.isEmpty ? nil : $0 }
        let callback = value(form, "StatusCallback").flatMap { $0.isEmpty ? nil : $0 }
        guard let method = Self.method(value(form, "Method")) else { return .failure(.invalidParameter("Method must be GET or POST.")) }
        if let status, status != "canceled", status != "completed" {
            return .failure(.invalidParameter("Status must be canceled or completed, but is \(status)."))
        }
        if let url, !MessagesAPI.isWebURL(url) { return .failure(.invalidCallURL(url)) }
        if let callback, !MessagesAPI.isWebURL(callback) { return .failure(.invalidStatusCallback(callback)) }
        if url != nil, twiml != nil { return .failure(.severalCallTwiML) }
        if status == nil, url == nil, twiml == nil, callback == nil {
            return .failure(.invalidParameter("Give Status, Url, Twiml or StatusCallback to update a call."))
        }
        let now = core.now
        var request: CallControls.Request?
        do {
            let updated = try voice.store.updateCall(sid, account: account) { (call: inout StoredCall) throws(TwilioAPIError) in
                if let callback {
                    call.settings.statusCallback = callback
                    call.settings.statusCallbackMethod = Self.method(value(form, "StatusCallbackMethod")) ?? "POST"
                }
                switch status {
                case "canceled"?:
                    guard call.status == "queued" || call.status == "ringing" else { throw .callStateForUpdate }
                    call.status = "canceled"
                    call.endTime = now
                    call.duration = 0
                    request = .cancel
                case "completed"?:
                    guard !call.isFinished else { throw .callStateForUpdate }
                    if call.startTime != nil {
                        call.status = "completed"
                        call.duration = voice.duration(of: call, now: now)
                        request = .hangUp
                    } else {
                        call.status = "canceled"
                        call.duration = 0
                        request = .cancel
                    }
                    call.endTime = now
                default:
                    if url != nil || twiml != nil {
                        guard call.status == "in-progress" else { throw .callNotInProgress }
                        request = .redirect(twiml.map(TwiMLSource.inline) ?? .fetch(url!, method: method))
                    }
                }
                call.updatedAt = now
            }
            guard let updated else { return .failure(.notFound(path)) }
            if let request { voice.controls.ask(request, call: sid) }
            return .success(updated.json())
        } catch {
            return .failure(error)
        }
    }

    func delete(sid: String, path: String) -> Result<Void, TwilioAPIError> {
        guard let call = voice.store.call(sid, account: account) else { return .failure(.notFound(path)) }
        guard call.isFinished else { return .failure(.deleteUnfinishedCall) }
        return voice.store.deleteCall(sid, account: account) ? .success(()) : .failure(.notFound(path))
    }

    // MARK: List

    /// Newest first, filtered by `To`, `From`, `Status`, `ParentCallSid`, `StartTime` (`<`, `>`)
    /// and `EndTime` (`<`, `>`).
    func list(_ query: [(String, String)], path: String) -> Result<JSONValue, TwilioAPIError> {
        var filters: [(String, String)] = []
        for name in ["To", "From", "Status", "ParentCallSid", "StartTime", "StartTime<", "StartTime>", "EndTime", "EndTime<", "EndTime>"] {
            if let filter = value(query, name) { filters.append((name, name == "To" || name == "From" ? Self.address(filter) : filter)) }
        }
        var startRanges: [ClosedRange<Double>] = []
        var endRanges: [ClosedRange<Double>] = []
        for (name, text) in filters where name.hasPrefix("StartTime") || name.hasPrefix("EndTime") {
            let isStart = name.hasPrefix("StartTime")
            guard let range = MessagesAPI.dateRange(text, operator: String(name.dropFirst(isStart ? 9 : 7))) else {
                return .failure(.invalidParameter("\(name) must be a date such as 2025-05-14 or 2025-05-14T22:42:25Z, but is \(text)."))
            }
            if isStart { startRanges.append(range) } else { endRanges.append(range) }
        }
        let matching = voice.store.calls(account: account).filter { call in
            for (name, filter) in filters {
                switch name {
                case "To" where call.to != filter: return false
                case "From" where call.from != filter: return false
                case "Status" where call.status != filter: return false
                case "ParentCallSid" where call.parentCallSid != filter: return false
                default: continue
                }
            }
            if !startRanges.isEmpty {
                guard let start = call.startTime, startRanges.allSatisfy({ $0.contains(start) }) else { return false }
            }
            if !endRanges.isEmpty {
                guard let end = call.endTime, endRanges.allSatisfy({ $0.contains(end) }) else { return false }
            }
            return true
        }
        return ListPage.envelope(
            key: "calls", sequences: matching.map(\.sequence), items: { range in matching[range].map { $0.json() } }, query: query,
            filters: filters,
            path: path)
    }
}
