import ComponentCore
import ComponentRuntime

/// `configureNumberWebhooks`: points an incoming number's SMS and voice webhooks (and status
/// callback) at the URLs given, without silently overwriting someone else's: a field that
/// already holds a different, non-empty URL, or an application SID that Twilio would use instead
/// of the URL given, is refused unless `replaceExisting` is set (which clears that application).
/// A number on an Elastic SIP trunk is refused for voice settings either way: the trunk takes its
/// calls, and clearing it is not this action's to do.
///
/// Only the fields that differ are changed. The output's `previous` holds their prior values and
/// `current` the values set, both for restoreNumberWebhooks; fields that already held the value
/// asked are listed in `alreadySet`, not in `previous`: this run did not change them, so a rerun
/// after a lost answer does not pass off its own URL as the original. For the same reason the
/// manifest hints the action not idempotent, so an engine ends a run whose outcome is unknown for
/// review rather than running it again; within one run, the update alone is retried (see
/// NumberWebhooks.update).
struct ConfigureNumberWebhooks: ActionHandler {
    struct Input: Decodable, Sendable {
        var phoneNumber: String
        var smsUrl: String?
        var smsMethod: String?
        var voiceUrl: String?
        var voiceMethod: String?
        var statusCallback: String?
        var statusCallbackMethod: String?
        var replaceExisting: Bool
        var defaultCountryCode: String
    }

    let settings: ServiceSettings

    static let owner = "action 'configureNumberWebhooks'"

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let (reference, wanted) = try Self.checked(input)
        let api = try TwilioAPI(context: context, settings: settings)
        let number = try await NumberWebhooks.find(reference, api: api, owner: Self.owner)
        try Self.refuseTrunk(wanted, number: number)
        let planned = Self.planned(wanted)
        if !input.replaceExisting { try Self.refuseConflicts(planned, number: number) }
        let changes = planned.filter { field, value in NumberWebhooks.value(of: field, in: number) != value }
        let after = changes.isEmpty ? number : try await NumberWebhooks.update(changes, on: number, api: api, owner: Self.owner)
        var output = NumberWebhooks.output(number: number, after: after, changed: changes.map(\.0))
        let changed = Set(changes.map(\.0.key))
        output["alreadySet"] = .array(wanted.map(\.0.key).filter { !changed.contains($0) }.map(JSONValue.string))
        return .object(output)
    }

    /// `wanted`, plus clearing each application SID that would take precedence over a URL asked:
    /// Twilio uses the SMS application instead of the SMS URL, and the voice application instead
    /// of the voice URLs (the status callback among them).
    static func planned(_ wanted: [(NumberWebhooks.Field, String)]) -> [(NumberWebhooks.Field, String)] {
        let keys = Set(wanted.map(\.0.key))
        var planned = wanted
        if keys.contains(NumberWebhooks.smsUrl.key) { planned.append((NumberWebhooks.smsApplicationSid, "")) }
        if !keys.isDisjoint(with: [NumberWebhooks.voiceUrl.key, NumberWebhooks.statusCallback.key]) {
            planned.append((NumberWebhooks.voiceApplicationSid, ""))
        }
        return planned
    }

    /// The URL input that an application field stands in the way of, for naming it in a refusal.
    static func asker(of field: NumberWebhooks.Field, in wanted: [(NumberWebhooks.Field, String)]) -> NumberWebhooks.Field {
        guard field.kind == .application else { return field }
        if field == NumberWebhooks.smsApplicationSid { return NumberWebhooks.smsUrl }
        return wanted.contains { $0.0 == NumberWebhooks.voiceUrl } ? NumberWebhooks.voiceUrl : NumberWebhooks.statusCallback
    }

    /// Refuses voice settings for a number on an Elastic SIP trunk, which takes its calls whatever
    /// its URLs say; replaceExisting does not help, since a trunk is not cleared from the number.
    static func refuseTrunk(_ wanted: [(NumberWebhooks.Field, String)], number: JSONValue) throws(ComponentError) {
        guard let trunk = number["trunk_sid"]?.stringValue, !trunk.isEmpty,
            let field = wanted.first(where: { $0.0 == NumberWebhooks.voiceUrl || $0.0 == NumberWebhooks.statusCallback })?.0
        else { return }
        let problem = InputProblem(
            key: field.key, label: field.label,
            message:
                "Input '\(field.key)' (\(field.label)) would not take effect: \(NumberWebhooks.name(of: number)) is on the Elastic SIP trunk \(trunk), and Twilio sends its calls to the trunk, ignoring the number's voice URLs. This action does not take a number off a trunk, even with Replace Existing (replaceExisting): remove it from the trunk first (Console → Elastic SIP Trunking → the trunk → Numbers), give only SMS URL, or use another number."
        )
        throw ComponentError(InputErrors(owner: owner, problems: [problem]), code: "webhook_conflict")
    }

    /// The number's reference and the (field, value) pairs asked for, in Twilio's order, or every
    /// input problem at once, before any request.
    static func checked(_ input: Input) throws(ComponentError) -> (String, [(NumberWebhooks.Field, String)]) {
        var checks = CallInputChecks(owner: owner)
        let reference = NumberWebhooks.numberReference(input.phoneNumber, defaultCountryCode: input.defaultCountryCode, checks: &checks)
        let given: [(NumberWebhooks.Field, String?)] = [
            (NumberWebhooks.smsUrl, input.smsUrl), (NumberWebhooks.smsMethod, input.smsMethod),
            (NumberWebhooks.voiceUrl, input.voiceUrl), (NumberWebhooks.voiceMethod, input.voiceMethod),
            (NumberWebhooks.statusCallback, input.statusCallback),
            (NumberWebhooks.statusCallbackMethod, input.statusCallbackMethod),
        ]
        if input.smsUrl == nil, input.voiceUrl == nil, input.statusCallback == nil {
            checks.problem(
                "smsUrl", "SMS URL",
                "is required unless Voice URL or Status Callback URL is given: there is nothing to configure; give at least one of SMS URL, Voice URL and Status Callback URL."
            )
        }
        for (index, (field, value)) in given.enumerated() {
            guard let value else { continue }
            if field.isURL {
                checks.webURL(value, key: field.key, label: field.label)
            } else if given[index - 1].1 == nil {
                let url = given[index - 1].0
                checks.problem(
                    field.key, field.label, "applies only to \(url.label), which Twilio calls with it; give \(url.label), or leave it out.")
            }
        }
        try checks.finish()
        return (reference, given.compactMap { field, value in value.map { (field, $0) } })
    }

    /// Refuses, naming each field, to replace a non-empty URL the number has with a different one,
    /// or to clear an application SID that takes precedence over a URL asked.
    static func refuseConflicts(_ planned: [(NumberWebhooks.Field, String)], number: JSONValue) throws(ComponentError) {
        let name = NumberWebhooks.name(of: number)
        var problems: [InputProblem] = []
        for (field, value) in planned where field.isURL {
            let existing = NumberWebhooks.value(of: field, in: number)
            guard !existing.isEmpty, existing != value else { continue }
            problems.append(
                InputProblem(
                    key: field.key, label: field.label,
                    message:
                        "Input '\(field.key)' (\(field.label)) would replace the \(field.label) \(name) already has, \(existing): it is left alone unless Replace Existing (replaceExisting) is true. Set it to replace that URL (the old value is returned in previous, for restoreNumberWebhooks), or use another number."
                ))
        }
        for (field, _) in planned where field.kind == .application {
            let existing = NumberWebhooks.value(of: field, in: number)
            guard !existing.isEmpty else { continue }
            let url = asker(of: field, in: planned)
            let handled = field == NumberWebhooks.smsApplicationSid ? "messages" : "calls"
            problems.append(
                InputProblem(
                    key: url.key, label: url.label,
                    message:
                        "Input '\(url.key)' (\(url.label)) would not take effect: \(name) has the application \(existing) (\(field.key)), which Twilio uses for its \(handled) instead of the number's URLs; it is left alone unless Replace Existing (replaceExisting) is true. Set it to clear the application (its SID is returned in previous, and restoreNumberWebhooks puts it back), or use another number."
                ))
        }
        guard problems.isEmpty else { throw ComponentError(InputErrors(owner: owner, problems: problems), code: "webhook_conflict") }
    }
}
