import ComponentCore
import HTTPTypes
import Hummingbird

/// Answers the IncomingPhoneNumbers routes (authenticated already) with ``IncomingNumbersAPI``.
enum IncomingNumberRoutes {
    /// The answer to `route`, or `nil` when it is not one of these routes.
    static func respond(
        route: SandboxRoute, core: SandboxCore, account: String, segments: [String], form: [(String, String)],
        query: [(String, String)], path: String
    ) -> Response? {
        let numbers = IncomingNumbersAPI(core: core, account: account)
        let sid = segments.count > 4 ? String(segments[4].prefix { $0 != "." }) : ""
        let result: Result<JSONValue, TwilioAPIError>
        switch route {
        case .listNumbers: result = numbers.list(query, path: path)
        case .fetchNumber: result = numbers.fetch(sid: sid, path: path)
        case .updateNumber: result = numbers.update(sid: sid, form: form, path: path)
        default: return nil
        }
        switch result {
        case .success(let json): return SandboxResponder.json(.ok, json)
        case .failure(let error): return SandboxResponder.error(error)
        }
    }
}
