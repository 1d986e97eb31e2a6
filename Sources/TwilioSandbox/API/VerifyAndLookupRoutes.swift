import ComponentCore
import HTTPTypes
import Hummingbird

extension SandboxRoute {
    /// The route of a `/v2/...` request: Verify's services, verifications and checks, and Lookup's
    /// phone numbers; `nil` for other paths.
    static func classifyVersionTwo(method: HTTPRequest.Method, segments: [Substring]) -> SandboxRoute? {
        guard segments.count >= 2, segments[0] == "v2" else { return nil }
        switch (segments.count, method) {
        case (2, .post) where segments[1] == "Services": return .createVerifyService
        case (2, .get) where segments[1] == "Services": return .listVerifyServices
        case (3, .get) where segments[1] == "Services": return .fetchVerifyService
        case (3, .post) where segments[1] == "Services": return .updateVerifyService
        case (3, .delete) where segments[1] == "Services": return .deleteVerifyService
        case (4, .post) where segments[1] == "Services" && segments[3] == "Verifications": return .createVerification
        case (4, .post) where segments[1] == "Services" && segments[3] == "VerificationCheck": return .checkVerification
        case (5, .get) where segments[1] == "Services" && segments[3] == "Verifications": return .fetchVerification
        case (5, .post) where segments[1] == "Services" && segments[3] == "Verifications": return .updateVerification
        case (3, .get) where segments[1] == "PhoneNumbers": return .fetchLookup
        default: return nil
        }
    }

    /// Whether the route is one of the `/v2/...` products (Verify, Lookup), whose account is the
    /// credentials' own rather than a path segment.
    var isVersionTwo: Bool {
        switch self {
        case .createVerifyService, .listVerifyServices, .fetchVerifyService, .updateVerifyService, .deleteVerifyService,
            .createVerification, .fetchVerification, .updateVerification, .checkVerification, .fetchLookup:
            true
        default: false
        }
    }
}

/// Answers the `/v2` routes of both products on the sandbox's one address, Verify's and Lookup's,
/// for the authenticated `account`.
enum VerifyAndLookupRoutes {
    static func respond(
        route: SandboxRoute, core: SandboxCore, account: String, path: String, form: [(String, String)], query: [(String, String)]
    ) -> Response {
        // Path segments percent-decoded (`%2B` is `+`), `+` kept as itself.
        let segments = path.split(separator: "/").map { URLEncodedForm.percentDecode($0.utf8) }
        let verify = VerifyAPI(core: core, account: account)
        let service = segments.count > 2 ? segments[2] : ""
        let result: Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError>
        if let key = inFlightKey(route: route, core: core, path: path, form: form), core.verifyInFlight.isBusy(key) {
            return SandboxResponder.error(.concurrentRequests)
        }
        switch route {
        case .createVerifyService: result = verify.createService(form)
        case .listVerifyServices: result = verify.listServices(query)
        case .fetchVerifyService: result = verify.fetchService(sid: service, path: path)
        case .updateVerifyService: result = verify.updateService(sid: service, form: form, path: path)
        case .deleteVerifyService: result = verify.deleteService(sid: service, path: path)
        case .createVerification: result = verify.createVerification(serviceSid: service, form: form, path: path)
        case .fetchVerification: result = verify.fetchVerification(serviceSid: service, sid: segments[4], path: path)
        case .updateVerification: result = verify.updateVerification(serviceSid: service, sidOrTo: segments[4], form: form, path: path)
        case .checkVerification: result = verify.check(serviceSid: service, form: form, path: path)
        case .fetchLookup: result = LookupAPI(core: core).fetch(number: segments[2], query: query)
        default: result = .failure(.notFound(path))
        }
        switch result {
        case .success((let status, let json)): return SandboxResponder.json(status, json)
        case .failure(let error): return SandboxResponder.error(error)
        }
    }

    /// The ``VerifyInFlight`` key of a create or check: its service and recipient (`To`, or the
    /// recipient of the verification `VerificationSid` names); `nil` for other routes, or when
    /// the request names no recipient the sandbox knows.
    static func inFlightKey(route: SandboxRoute, core: SandboxCore, path: String, form: [(String, String)]) -> String? {
        guard route == .createVerification || route == .checkVerification else { return nil }
        let segments = path.split(separator: "/").map { URLEncodedForm.percentDecode($0.utf8) }
        guard segments.count > 2 else { return nil }
        func value(_ name: String) -> String? { form.first { $0.0 == name }?.1 }
        if let to = value("To"), !to.isEmpty { return VerifyInFlight.key(serviceSid: segments[2], recipient: to) }
        guard route == .checkVerification, let sid = value("VerificationSid"), !sid.isEmpty,
            let to = core.verify.read({ state in state.verifications.last { $0.sid == sid }?.to })
        else { return nil }
        return VerifyInFlight.key(serviceSid: segments[2], recipient: to)
    }
}
