import ComponentCore
import ComponentRuntime

/// `restoreNumberWebhooks`: puts back the webhook settings a configureNumberWebhooks run
/// replaced, on a flow's teardown, taking that run's `previous` and `current` as two inputs.
///
/// A field is put back only while the number still holds the value that run set (`current`):
/// when another flow or a person has changed it since, putting back the old value would cut them
/// off, so the action fails naming each such field and its present value, unless
/// `replaceExisting` is set. A field that already holds its previous value is skipped, so running
/// it again leaves the same state (the manifest hints it idempotent). The output has
/// configureNumberWebhooks' shape (`previous` being the values it replaced), with the keys of the
/// fields `restored` and `skipped`.
struct RestoreNumberWebhooks: ActionHandler {
    struct Input: Decodable, Sendable {
        var phoneNumber: String
        var previous: JSONValue
        var current: JSONValue
        var replaceExisting: Bool
        var defaultCountryCode: String
    }

    let settings: ServiceSettings

    static let owner = "action 'restoreNumberWebhooks'"

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        var checks = CallInputChecks(owner: Self.owner)
        let reference = NumberWebhooks.numberReference(input.phoneNumber, defaultCountryCode: input.defaultCountryCode, checks: &checks)
        let wanted = Self.fields(of: input.previous, key: "previous", label: "Previous", checks: &checks)
        let set = Self.fields(of: input.current, key: "current", label: "Current", checks: &checks)
        let missing = wanted.map(\.0.key).filter { key in !set.contains { $0.0.key == key } }
        if !missing.isEmpty {
            checks.problem(
                "current", "Current",
                "has no \(missing.joined(separator: ", ")), which previous has: give the current object of the same configureNumberWebhooks run as its previous."
            )
        }
        try checks.finish()
        let api = try TwilioAPI(context: context, settings: settings)
        let number = try await NumberWebhooks.find(reference, api: api, owner: Self.owner)
        let changes = try Self.changes(wanted, set: set, number: number, replaceExisting: input.replaceExisting)
        let after = changes.isEmpty ? number : try await NumberWebhooks.update(changes, on: number, api: api, owner: Self.owner)
        var output = NumberWebhooks.output(number: number, after: after, changed: changes.map(\.0))
        let restored = Set(changes.map(\.0.key))
        output["restored"] = .array(changes.map { .string($0.0.key) })
        output["skipped"] = .array(wanted.map(\.0.key).filter { !restored.contains($0) }.map(JSONValue.string))
        return .object(output)
    }

    /// The fields of `wanted` to put back: those the number holds as `set` left them. One that
    /// already holds its previous value is skipped; one changed since is refused, naming it,
    /// unless `replaceExisting`. Putting back a voice application would take the number off an
    /// Elastic SIP trunk it has joined since, so that is refused the same way.
    static func changes(
        _ wanted: [(NumberWebhooks.Field, String)], set: [(NumberWebhooks.Field, String)], number: JSONValue, replaceExisting: Bool
    ) throws(ComponentError) -> [(NumberWebhooks.Field, String)] {
        let name = NumberWebhooks.name(of: number)
        var changes: [(NumberWebhooks.Field, String)] = []
        var problems: [InputProblem] = []
        for (field, prior) in wanted {
            let present = NumberWebhooks.value(of: field, in: number)
            guard present != prior else { continue }
            changes.append((field, prior))
            let ours = set.first { $0.0 == field }?.1 ?? ""
            let trunk = number["trunk_sid"]?.stringValue ?? ""
            if present != ours {
                problems.append(
                    InputProblem(
                        key: "previous", label: "Previous",
                        message:
                            "Input 'previous' (Previous) would put back \(field.key) \(NumberWebhooks.quoted(prior)) on \(name), but it is now \(NumberWebhooks.quoted(present)), not \(NumberWebhooks.quoted(ours)) as configureNumberWebhooks set it (current): another flow or a person changed it since, and putting back the old value would cut them off. It is left alone unless Replace Existing (replaceExisting) is true; set that only if the present value should go."
                    ))
            } else if field == NumberWebhooks.voiceApplicationSid, !prior.isEmpty, !trunk.isEmpty {
                problems.append(
                    InputProblem(
                        key: "previous", label: "Previous",
                        message:
                            "Input 'previous' (Previous) would put back voiceApplicationSid \(prior) on \(name), which is now on the Elastic SIP trunk \(trunk): Twilio takes a number off its trunk when it is given a voice application. It is left alone unless Replace Existing (replaceExisting) is true."
                    ))
            }
        }
        guard problems.isEmpty || replaceExisting else {
            throw ComponentError(InputErrors(owner: owner, problems: problems), code: "webhook_conflict")
        }
        return changes
    }

    /// The (field, value) pairs of input `key` (`previous` or `current`), in Twilio's order,
    /// noting every problem: an object (or its JSON text) of known keys, URLs empty or http(s),
    /// methods GET or POST, application SIDs empty or AP….
    static func fields(of supplied: JSONValue, key: String, label: String, checks: inout CallInputChecks) -> [(
        NumberWebhooks.Field, String
    )] {
        var value = supplied
        if case .string(let text) = supplied, let parsed = try? JSONParser.parse(text) { value = parsed }
        guard case .object(let object) = value else {
            checks.problem(
                key, label,
                "must be the \(key) object configureNumberWebhooks returned, such as {\"smsUrl\": \"\"}, not \(JSONWriter.string(from: supplied).prefix(60))."
            )
            return []
        }
        let known = NumberWebhooks.fields.map(\.key)
        let unknown = object.keys.filter { !known.contains($0) }
        if !unknown.isEmpty {
            checks.problem(
                key, label,
                "has \(unknown.count == 1 ? "a key" : "keys") configureNumberWebhooks never returns: \(unknown.joined(separator: ", ")); it takes only \(CallInputChecks.list(known, or: true))."
            )
        }
        var wanted: [(NumberWebhooks.Field, String)] = []
        for field in NumberWebhooks.fields {
            guard let given = object[field.key] else { continue }
            guard case .string(let text) = given else {
                checks.problem(key, label, "has \(field.key) \(JSONWriter.string(from: given)), which is not text.")
                continue
            }
            if field.kind == .application {
                if !text.isEmpty, !NumberWebhooks.isApplicationSid(text) {
                    checks.problem(
                        key, label,
                        "has \(field.key) '\(text)', which is neither empty nor an application SID (AP followed by 32 hex digits).")
                }
                wanted.append((field, text))
            } else if field.isURL {
                if !text.isEmpty, !SendSMS.isWebURL(text) {
                    checks.problem(
                        key, label, "has \(field.key) '\(text)', which is neither empty nor an absolute http or https URL.")
                }
                wanted.append((field, text))
            } else if NumberWebhooks.methods.contains(text.uppercased()) {
                wanted.append((field, text.uppercased()))
            } else {
                checks.problem(key, label, "has \(field.key) '\(text)', which is not GET or POST.")
            }
        }
        return wanted
    }
}
