import ComponentCore
import Foundation
import HTTPTypes

/// Twilio Verify v2 for one authenticated account: services, verifications and checks, with
/// Twilio's rules (attempt limits, ten-minute life on the sandbox's clock) and error codes.
struct VerifyAPI {
    typealias Answer = Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError>

    let core: SandboxCore
    let account: String

    private var base: String { core.voice.baseURL }

    private func value(_ form: [(String, String)], _ name: String) -> String? {
        form.first { $0.0 == name }?.1
    }

    // MARK: Services

    func createService(_ form: [(String, String)]) -> Answer {
        guard let name = value(form, "FriendlyName"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .failure(.verifyInvalidParameter("FriendlyName", "a service needs a FriendlyName."))
        }
        let now = core.now
        var service = StoredVerifyService(
            sid: MessagesAPI.newSid("VA"), accountSid: account, sequence: 0, friendlyName: name, codeLength: 6, lookupEnabled: false,
            psd2Enabled: false, skipSmsToLandlines: false, dtmfInputRequired: true, ttsName: nil, doNotShareWarningEnabled: false,
            customCodeEnabled: false, defaultTemplateSid: nil, whatsappFrom: nil, whatsappServiceSid: nil,
            verifyEventSubscriptionEnabled: false, createdAt: now, updatedAt: now)
        if let problem = Self.apply(form, to: &service) { return .failure(problem) }
        let created = core.verify.change { state -> StoredVerifyService in
            service.sequence = state.takeSequence()
            state.services.append(service)
            return service
        }
        return .success((.created, created.json(base: base)))
    }

    func listServices(_ query: [(String, String)]) -> Answer {
        let services = core.verify.read { state in state.services.filter { $0.accountSid == account }.reversed() as [StoredVerifyService] }
        return MetaPage.envelope(
            key: "services", sequences: services.map(\.sequence), items: { services[$0].map { $0.json(base: base) } }, query: query,
            url: base + "/v2/Services"
        ).map { (.ok, $0) }
    }

    func fetchService(sid: String, path: String) -> Answer {
        guard let service = core.verify.read({ state in state.serviceIndex(account: account, sid: sid).map { state.services[$0] } }) else {
            return .failure(.notFound(path))
        }
        return .success((.ok, service.json(base: base)))
    }

    func updateService(sid: String, form: [(String, String)], path: String) -> Answer {
        let now = core.now
        let result = core.verify.change { state -> Result<StoredVerifyService, TwilioAPIError> in
            guard let index = state.serviceIndex(account: account, sid: sid) else { return .failure(.notFound(path)) }
            var service = state.services[index]
            if let name = value(form, "FriendlyName"), name.trimmingCharacters(in: .whitespaces).isEmpty {
                return .failure(.verifyInvalidParameter("FriendlyName", "it cannot be empty."))
            }
            if let problem = Self.apply(form, to: &service) { return .failure(problem) }
            service.updatedAt = now
            state.services[index] = service
            return .success(service)
        }
        return result.map { (.ok, $0.json(base: base)) }
    }

    func deleteService(sid: String, path: String) -> Answer {
        let deleted = core.verify.change { state -> Bool in
            guard let index = state.serviceIndex(account: account, sid: sid) else { return false }
            state.services.remove(at: index)
            state.verifications.removeAll { $0.serviceSid == sid }
            return true
        }
        return deleted ? .success((.noContent, nil)) : .failure(.notFound(path))
    }

    /// Sets the service settings `form` names (create and update share them).
    private static func apply(_ form: [(String, String)], to service: inout StoredVerifyService) -> TwilioAPIError? {
        for (name, value) in form {
            switch name {
            case "FriendlyName":
                guard value.count <= 32 else { return .verifyInvalidParameter(name, "at most 32 characters, but it has \(value.count).") }
                service.friendlyName = value
            case "CodeLength":
                guard let length = Int(value), (4...10).contains(length) else {
                    return .verifyInvalidParameter(name, "a whole number from 4 to 10, but it is \(value).")
                }
                service.codeLength = length
            case "LookupEnabled", "Psd2Enabled", "SkipSmsToLandlines", "DtmfInputRequired", "DoNotShareWarningEnabled",
                "CustomCodeEnabled", "VerifyEventSubscriptionEnabled":
                guard let flag = Self.boolean(value) else { return .verifyInvalidParameter(name, "true or false, but it is \(value).") }
                switch name {
                case "LookupEnabled": service.lookupEnabled = flag
                case "Psd2Enabled": service.psd2Enabled = flag
                case "SkipSmsToLandlines": service.skipSmsToLandlines = flag
                case "DtmfInputRequired": service.dtmfInputRequired = flag
                case "DoNotShareWarningEnabled": service.doNotShareWarningEnabled = flag
                case "CustomCodeEnabled": service.customCodeEnabled = flag
                default: service.verifyEventSubscriptionEnabled = flag
                }
            case "TtsName": service.ttsName = value.isEmpty ? nil : value
            case "DefaultTemplateSid":
                guard MessagesAPI.matches(value, prefix: "HJ") else {
                    return .verifyInvalidParameter(name, "HJ followed by 32 hexadecimal digits, but it is \(value).")
                }
                service.defaultTemplateSid = value
            case "Whatsapp.From":
                let number = value.lowercased().hasPrefix("whatsapp:") ? String(value.dropFirst(9)) : value
                guard PhoneNumberRules.isE164(Substring(number)) else {
                    return .verifyInvalidParameter(name, "a WhatsApp sender in E.164 (whatsapp:+15005550006), but it is \(value).")
                }
                service.whatsappFrom = value
            case "Whatsapp.MsgServiceSid":
                guard MessagesAPI.matches(value, prefix: "MG") else {
                    return .verifyInvalidParameter(name, "MG followed by 32 hexadecimal digits, but it is \(value).")
                }
                service.whatsappServiceSid = value
            default: continue
            }
        }
        return nil
    }

    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true": true
        case "false": false
        default: nil
        }
    }

    // MARK: Verifications

    /// Sends a code to `To`, or sends the code again when a verification for `To` is still live
    /// (at most five sends, then 60203).
    func createVerification(serviceSid: String, form: [(String, String)], path: String) -> Answer {
        let to = value(form, "To") ?? ""
        let channel = value(form, "Channel") ?? ""
        if to.isEmpty { return .failure(.verifyInvalidParameter("To", "the recipient (E.164 phone number or email address) is required.")) }
        if channel.isEmpty { return .failure(.verifyInvalidParameter("Channel", "one of sms, call, whatsapp or email is required.")) }
        guard ["sms", "call", "whatsapp", "email"].contains(channel) else {
            return .failure(.verifyInvalidParameter("Channel", "the sandbox sends sms, call, whatsapp or email, not \(channel)."))
        }
        if channel == "email" {
            guard Self.isEmailAddress(to) else {
                return .failure(.verifyInvalidParameter("To", "the email channel needs an email address, but To is \(to)."))
            }
        } else if !PhoneNumberRules.isE164(Substring(to)) {
            return .failure(.verifyInvalidParameter("To", "\(channel) needs a phone number in E.164 (+14155550100), but To is \(to)."))
        }
        if let locale = value(form, "Locale"), !Self.isLocale(locale) {
            return .failure(.verifyInvalidParameter("Locale", "a language such as en, es or pt-BR, but it is \(locale)."))
        }
        let customCode = value(form, "CustomCode")
        if let customCode, !((4...10).contains(customCode.count) && customCode.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            return .failure(.verifyInvalidParameter("CustomCode", "4 to 10 letters or digits."))
        }
        if let risk = value(form, "RiskCheck"), risk != "enable", risk != "disable" {
            return .failure(.verifyInvalidParameter("RiskCheck", "enable or disable, but it is \(risk)."))
        }
        if channel != "email", to.hasPrefix("+882") || to.hasPrefix("+883") { return .failure(.deliveryBlocked(to)) }
        // Only a number Lookup reads as valid has a line type, so only such a landline is refused.
        let lineType = channel == "email" || !ParsedPhoneNumber(to, countryCode: nil).isValid ? nil : LookupIntelligence(e164: to).lineType
        if channel == "sms", lineType == .landline { return .failure(.landlineSMS(to)) }

        let now = core.now
        let account = account
        let result = core.verify.change { state -> Result<(HTTPResponse.Status, StoredVerification), TwilioAPIError> in
            guard let service = state.serviceIndex(account: account, sid: serviceSid).map({ state.services[$0] }) else {
                return .failure(.notFound(path))
            }
            if channel == "whatsapp", !service.canSendWhatsApp { return .failure(.whatsappDisabled) }
            if customCode != nil, !service.customCodeEnabled { return .failure(.customCodeNotEnabled) }
            Self.expire(&state, now: now)
            let attempt = StoredVerification.SendAttempt(sid: MessagesAPI.newSid("VL"), channel: channel, time: now)
            if let index = state.verifications.lastIndex(where: { $0.serviceSid == serviceSid && $0.to == to && $0.isLive(now: now) }) {
                var verification = state.verifications[index]
                guard verification.sendAttempts.count < StoredVerification.maximumSends else { return .failure(.maxSendAttempts) }
                verification.sendAttempts.append(attempt)
                verification.channel = channel
                if let customCode { verification.code = customCode }
                verification.updatedAt = now
                state.verifications[index] = verification
                return .success((.created, verification))
            }
            let verification = StoredVerification(
                sid: MessagesAPI.newSid("VE"), serviceSid: serviceSid, accountSid: account, sequence: state.takeSequence(), to: to,
                channel: channel, status: "pending", code: customCode ?? VerificationCode.generate(length: service.codeLength),
                locale: value(form, "Locale"), amount: service.psd2Enabled ? value(form, "Amount") : nil,
                payee: service.psd2Enabled ? value(form, "Payee") : nil, sendAttempts: [attempt], checkAttempts: 0,
                carrier: service.lookupEnabled ? lineType.map { _ in LookupIntelligence(e164: to).verifyCarrier } : nil,
                createdAt: now, updatedAt: now)
            state.verifications.append(verification)
            return .success((.created, verification))
        }
        return result.map { ($0.0, $0.1.json(base: base)) }
    }

    func fetchVerification(serviceSid: String, sid: String, path: String) -> Answer {
        let now = core.now
        let found = core.verify.change { state -> StoredVerification? in
            guard state.serviceIndex(account: account, sid: serviceSid) != nil else { return nil }
            Self.expire(&state, now: now)
            return state.verifications.last { $0.serviceSid == serviceSid && $0.sid == sid }
        }
        guard let found else { return .failure(.notFound(path)) }
        return .success((.ok, found.json(base: base)))
    }

    /// `Status=canceled` or `approved` on the live verification named by its SID or its `To`.
    func updateVerification(serviceSid: String, sidOrTo: String, form: [(String, String)], path: String) -> Answer {
        guard let status = value(form, "Status"), status == "canceled" || status == "approved" else {
            return .failure(.verifyInvalidParameter("Status", "canceled or approved, but it is \(value(form, "Status") ?? "missing")."))
        }
        let now = core.now
        let result = core.verify.change { state -> StoredVerification? in
            guard state.serviceIndex(account: account, sid: serviceSid) != nil else { return nil }
            Self.expire(&state, now: now)
            guard
                let index = state.verifications.lastIndex(where: {
                    $0.serviceSid == serviceSid && ($0.sid == sidOrTo || $0.to == sidOrTo) && $0.isLive(now: now)
                })
            else { return nil }
            state.verifications[index].status = status
            state.verifications[index].updatedAt = now
            return state.verifications[index]
        }
        guard let result else { return .failure(.notFound(path)) }
        return .success((.ok, result.json(base: base)))
    }

    /// Checks a code against the live verification for `To` or `VerificationSid`: the right code
    /// approves it (and ends it: a later check is 20404), a wrong one leaves it pending; the sixth
    /// check is refused with 60202.
    func check(serviceSid: String, form: [(String, String)], path: String) -> Answer {
        let to = value(form, "To").flatMap { $0.isEmpty ? nil : $0 }
        let sid = value(form, "VerificationSid").flatMap { $0.isEmpty ? nil : $0 }
        guard let code = value(form, "Code"), !code.isEmpty else {
            return .failure(.verifyInvalidParameter("Code", "the code the user received is required."))
        }
        if to == nil, sid == nil {
            return .failure(.verifyInvalidParameter("To", "give To or VerificationSid to name the verification."))
        }
        if let sid, !MessagesAPI.matches(sid, prefix: "VE") {
            return .failure(.verifyInvalidParameter("VerificationSid", "VE followed by 32 hexadecimal digits."))
        }
        let now = core.now
        let result = core.verify.change { state -> Result<StoredVerification, TwilioAPIError> in
            guard state.serviceIndex(account: account, sid: serviceSid) != nil else { return .failure(.notFound(path)) }
            Self.expire(&state, now: now)
            guard
                let index = state.verifications.lastIndex(where: { verification in
                    verification.serviceSid == serviceSid && (sid.map { verification.sid == $0 } ?? true)
                        && (to.map { verification.to == $0 } ?? true) && verification.isLive(now: now)
                })
            else { return .failure(.notFound(path)) }
            var verification = state.verifications[index]
            guard verification.checkAttempts < StoredVerification.maximumChecks else {
                if verification.status != "max_attempts_reached" {
                    verification.status = "max_attempts_reached"
                    verification.updatedAt = now
                    state.verifications[index] = verification
                }
                return .failure(.maxCheckAttempts)
            }
            verification.checkAttempts += 1
            if VerificationCode.matches(code, verification.code) { verification.status = "approved" }
            verification.updatedAt = now
            state.verifications[index] = verification
            return .success(verification)
        }
        return result.map { (.ok, $0.checkJSON()) }
    }

    /// Marks the verifications whose ten minutes are over `expired`.
    private static func expire(_ state: inout VerifyStore.State, now: Double) {
        for index in state.verifications.indices where state.verifications[index].status == "pending" {
            if now >= state.verifications[index].expiresAt {
                state.verifications[index].status = "expired"
                state.verifications[index].updatedAt = state.verifications[index].expiresAt
            }
        }
    }

    private static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else {
            return false
        }
        return !text.contains(where: \.isWhitespace)
    }

    /// `en`, `es`, `pt-BR`, `zh-HK`: a language and an optional region.
    private static func isLocale(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (2...3).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return false
        }
        return parts.count == 1 || ((2...4).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && $0.isLetter })
    }
}
