import ComponentCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers every request of the sandbox: Twilio's Messages and Accounts API under `/2010-04-01`,
/// Verify and Lookup under `/v2` (``VerifyAndLookupRoutes``), and the control API under `/__sandbox/` (a path no Twilio API uses).
struct SandboxResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let core: SandboxCore

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let path = request.uri.path
        if path.hasPrefix("/__sandbox/") {
            let body = try await request.collectBody(upTo: 1 << 20)
            return await ControlAPI(core: core).respond(method: request.method, path: path, query: request.uri.query ?? "", body: body)
        }
        guard let route = SandboxRoute.classify(method: request.method, path: path) else {
            let known = path.hasPrefix("/2010-04-01/Accounts/")
            return Self.error(
                known && request.method != .get && request.method != .post && request.method != .delete
                    ? TwilioAPIError(code: 20004, status: 405, message: "Method not allowed")
                    : .notFound(path))
        }
        core.traffic.apiRequestStarted()
        defer { core.traffic.apiRequestEnded() }
        let wait = core.latency.sample()
        if wait > .zero { try? await Task.sleep(for: wait) }
        var dropAfterProcessing: String?
        switch core.faults.next(for: route) {
        case .status(let status, let code, let retryAfter)?:
            var error: TwilioAPIError =
                switch status {
                case .tooManyRequests: .tooManyRequests
                case .serviceUnavailable: .serviceUnavailable
                default: .internalError
                }
            error.status = status
            if let code { error.code = code }
            error.retryAfter = retryAfter.flatMap(Int.init)
            var response = Self.error(error)
            if let retryAfter { response.headers[HTTPField.Name("Retry-After")!] = retryAfter }
            return response
        case .delay(let milliseconds)?:
            try? await Task.sleep(for: .milliseconds(milliseconds))
        case .gather(let barrier)?:
            await barrier.arrive()
        case .hold(let milliseconds)?:
            return try await hold(route: route, request: request, path: path, for: .milliseconds(milliseconds))
        case .dropAfterProcessing(let scope)?:
            dropAfterProcessing = scope.rawValue
        case .head?, .pass?, nil:
            break  // head faults are taken by the channel handler before the body is read
        }
        let body = try await request.collectBody(upTo: 1 << 20)
        var response = handle(route: route, request: request, path: path, body: body)
        if let dropAfterProcessing { response.headers[FaultChannelHandler.dropMarker] = dropAfterProcessing }
        return response
    }

    /// Holds the request, then handles it, whatever became of its client (``HeldRequest``).
    /// Awaited, so that the request counts as in flight until it is processed, and the answer
    /// goes out if anyone still listens.
    private func hold(route: SandboxRoute, request: Request, path: String, for duration: Duration) async throws -> Response {
        var request = request
        // Read first: once the client has reset its stream the body can no longer be read.
        let body = try await request.collectBody(upTo: 1 << 20)
        let held = request
        // A held Verify create or check is one Twilio is still working on: others for the same
        // recipient meanwhile are 60212.
        let busy = VerifyAndLookupRoutes.inFlightKey(
            route: route, core: core, path: path, form: URLEncodedForm.fields(body.readableBytesView))
        if let busy { core.verifyInFlight.begin(busy) }
        return await HeldRequest.process(after: duration) {
            if let busy { core.verifyInFlight.end(busy) }
            return handle(route: route, request: held, path: path, body: body)
        }
    }

    private func handle(route: SandboxRoute, request: Request, path: String, body: ByteBuffer) -> Response {
        let segments = path.split(separator: "/").map(String.init)
        if route.isVersionTwo {
            // Verify and Lookup name no account in their paths: it is the credentials' own.
            switch authenticate(request) {
            case .failure(let error): return Self.error(error)
            case .success(let account):
                return VerifyAndLookupRoutes.respond(
                    route: route, core: core, account: account, path: path, form: URLEncodedForm.fields(body.readableBytesView),
                    query: URLEncodedForm.fields((request.uri.query ?? "").utf8))
            }
        }
        let pathAccount = route == .fetchAccount ? String(segments[2].dropLast(5)) : segments[2]
        switch authenticate(request) {
        case .failure(let error): return Self.error(error)
        case .success(let account):
            guard pathAccount == account else { return Self.error(.notFound(path)) }
        }
        let api = MessagesAPI(core: core, account: pathAccount)
        let form = URLEncodedForm.fields(body.readableBytesView)
        let query = URLEncodedForm.fields((request.uri.query ?? "").utf8)
        if let response = MediaRoutes.respond(route: route, core: core, account: pathAccount, segments: segments, query: query, path: path)
        {
            return response
        }
        if let response = IncomingNumberRoutes.respond(
            route: route, core: core, account: pathAccount, segments: segments, form: form, query: query, path: path)
        {
            return response
        }
        if let response = VoiceRoutes.respond(
            route: route, core: core, account: pathAccount, segments: segments, form: form, query: query, path: path)
        {
            return response
        }
        let result: Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError>
        switch route {
        case .createMessage: result = api.create(form).map { (.created, $0) }
        case .listMessages: result = api.list(query, path: path).map { (.ok, $0) }
        case .fetchMessage: result = api.fetch(sid: String(segments[4].dropLast(5)), path: path).map { (.ok, $0) }
        case .updateMessage: result = api.update(sid: String(segments[4].dropLast(5)), form: form, path: path).map { (.ok, $0) }
        case .deleteMessage: result = api.delete(sid: String(segments[4].dropLast(5)), path: path).map { (.noContent, nil) }
        case .fetchAccount: result = .success((.ok, api.accountJSON()))
        default: return Self.error(.notFound(path))
        }
        switch result {
        case .success((let status, let json)): return Self.json(status, json)
        case .failure(let error): return Self.error(error)
        }
    }

    /// The account the request's Basic credentials authenticate: the Auth Token or the API key pair.
    private func authenticate(_ request: Request) -> Result<String, TwilioAPIError> {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingWhitespaceCharacters()),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return .failure(.authenticate) }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        let credentials = core.credentials
        if constantTimeEquals(user, credentials.accountSid) && constantTimeEquals(password, credentials.authToken) {
            return .success(credentials.accountSid)
        }
        if constantTimeEquals(user, credentials.apiKeySid) && constantTimeEquals(password, credentials.apiKeySecret) {
            return .success(credentials.accountSid)
        }
        return .failure(.authenticate)
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue?) -> Response {
        var headers = HTTPFields()
        guard let value else { return Response(status: status, headers: headers) }
        headers[.contentType] = "application/json; charset=utf-8"
        let text = JSONWriter.string(from: value)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ error: TwilioAPIError) -> Response {
        json(error.status, error.body)
    }
}

extension String {
    fileprivate func trimmingWhitespaceCharacters() -> String { trimmingCharacters(in: .whitespaces) }
}
