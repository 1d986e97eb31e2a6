import ComponentCore

/// `GET /__sandbox/verifications`: the verifications with their codes, for tests and demos.
enum VerifyControl {
    /// Every verification (filtered by `to` and `service` when the query names them), newest first,
    /// each read at the sandbox's clock (a pending one past its ten minutes shows `expired`).
    static func verifications(core: SandboxCore, query: String) -> [JSONValue] {
        // `+` read as itself, not a space: `?to=+14155550100` is how people write it.
        let fields = query.utf8.split(separator: UInt8(ascii: "&")).map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            return (URLEncodedForm.percentDecode(parts[0]), parts.count > 1 ? URLEncodedForm.percentDecode(parts[1]) : "")
        }
        let to = fields.first { $0.0 == "to" }?.1
        let service = fields.first { $0.0 == "service" }?.1
        let now = core.now
        return core.verify.read { state in
            state.verifications.reversed().filter { verification in
                (to.map { $0 == verification.to } ?? true) && (service.map { $0 == verification.serviceSid } ?? true)
            }.map { verification in
                var shown = verification
                if shown.status == "pending", now >= shown.expiresAt { shown.status = "expired" }
                return shown.controlJSON
            }
        }
    }
}
