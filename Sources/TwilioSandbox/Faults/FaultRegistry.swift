import ComponentCore
import HTTPTypes
import Synchronization

/// A misbehaviour the sandbox can be told to show on a route's next requests.
enum SandboxFault: Sendable {
    /// Answer with an error status (429 with or without `Retry-After`, 500, 503, ...).
    case status(HTTPResponse.Status, code: Int?, retryAfter: String?)
    /// Wait before handling the request normally.
    case delay(milliseconds: Int)
    /// Hold the request for the whole time, whether or not its client is still there, then
    /// handle it normally: Twilio creating a message after the client's attempt timed out.
    case hold(milliseconds: Int)
    /// Hold the request until the barrier's count of requests are held, then handle it normally.
    case gather(GatherBarrier)
    /// Strike as the request head arrives, before the body is read: nothing is processed.
    case head(HeadFault)
    /// Process the request (create the message), then close the connection without answering
    /// (over HTTP/2: reset the stream; with scope `connection`, close the whole connection; with
    /// scope `goaway`, close it with a GOAWAY ENHANCE_YOUR_CALM whose last stream id, 0, claims
    /// nothing was processed): the cases that tempt clients into sending twice.
    case dropAfterProcessing(scope: DropScope)
    /// Handle the request normally (to script a fault for a later request).
    case pass

    init?(json: JSONValue) {
        switch json["type"]?.stringValue {
        case "status":
            guard let status = json["status"]?.intValue, (400...599).contains(status) else { return nil }
            self = .status(
                HTTPResponse.Status(code: status), code: json["code"]?.intValue,
                retryAfter: json["retryAfter"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) })
        case "delay":
            guard let milliseconds = json["milliseconds"]?.intValue, milliseconds >= 0 else { return nil }
            self = .delay(milliseconds: milliseconds)
        case "hold":
            guard let milliseconds = json["milliseconds"]?.intValue, milliseconds >= 0 else { return nil }
            self = .hold(milliseconds: milliseconds)
        case "gather":
            guard let count = json["count"]?.intValue, count >= 1, let milliseconds = json["timeoutMilliseconds"]?.intValue,
                milliseconds >= 0
            else { return nil }
            self = .gather(GatherBarrier(count: count, timeout: .milliseconds(milliseconds)))
        case "dropBeforeRead": self = .head(.dropBeforeRead)
        case "refusedStream": self = .head(.refusedStream)
        case "goaway", "goAway": self = .head(.goAway)
        case "dropAfterProcessing", "dropAfterCreate":
            guard let scope = DropScope(rawValue: json["scope"]?.stringValue ?? "stream") else { return nil }
            self = .dropAfterProcessing(scope: scope)
        case "pass": self = .pass
        default: return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .status(let status, let code, let retryAfter):
            [
                "type": "status", "status": .integer(status.code), "code": code.map(JSONValue.integer) ?? .null,
                "retryAfter": retryAfter.map(JSONValue.string) ?? .null,
            ]
        case .delay(let milliseconds): ["type": "delay", "milliseconds": .integer(milliseconds)]
        case .hold(let milliseconds): ["type": "hold", "milliseconds": .integer(milliseconds)]
        case .gather(let barrier):
            ["type": "gather", "count": .integer(barrier.count), "timeoutMilliseconds": .integer(Int(barrier.timeout / .milliseconds(1)))]
        case .head(let fault): ["type": .string(fault.rawValue)]
        case .dropAfterProcessing(let scope): ["type": "dropAfterProcessing", "scope": .string(scope.rawValue)]
        case .pass: ["type": "pass"]
        }
    }
}

/// A fault acted out by the channel handler when a request head arrives, before anything of the
/// request is read or processed.
enum HeadFault: String, Sendable {
    /// Close the connection (HTTP/1.1) or reset the stream with CANCEL (HTTP/2): the client cannot
    /// tell this from a drop after processing.
    case dropBeforeRead
    /// HTTP/2: RST_STREAM with REFUSED_STREAM, which tells the client the request was not
    /// processed. HTTP/1.1 has no such signal: the connection is closed, as for `dropBeforeRead`.
    case refusedStream
    /// HTTP/2: GOAWAY whose last stream id is below this stream's, which tells the client this
    /// request (and any later one on the connection) was not processed; sent when no other stream
    /// is open on the connection, else the stream is refused (RST_STREAM REFUSED_STREAM).
    /// HTTP/1.1: as `dropBeforeRead`.
    case goAway = "goaway"
}

/// What a drop after processing closes over HTTP/2 (over HTTP/1.1, always the connection).
enum DropScope: String, Sendable {
    /// The request's stream (RST_STREAM CANCEL).
    case stream
    /// The whole connection, with every stream on it.
    case connection
    /// The whole connection, after a GOAWAY ENHANCE_YOUR_CALM with last stream id 0.
    case goaway
}

/// The routes faults can be scripted for.
enum SandboxRoute: String, Sendable, CaseIterable {
    case createMessage = "messages.create"
    case listMessages = "messages.list"
    case fetchMessage = "messages.fetch"
    case updateMessage = "messages.update"
    case deleteMessage = "messages.delete"
    case fetchAccount = "accounts.fetch"
    case createCall = "calls.create"
    case listCalls = "calls.list"
    case fetchCall = "calls.fetch"
    case updateCall = "calls.update"
    case deleteCall = "calls.delete"
    case listRecordings = "recordings.list"
    case fetchRecording = "recordings.fetch"
    case fetchRecordingMedia = "recordings.media"
    case deleteRecording = "recordings.delete"
    case createVerifyService = "verify.services.create"
    case listVerifyServices = "verify.services.list"
    case fetchVerifyService = "verify.services.fetch"
    case updateVerifyService = "verify.services.update"
    case deleteVerifyService = "verify.services.delete"
    case createVerification = "verify.create"
    case fetchVerification = "verify.fetch"
    case updateVerification = "verify.update"
    case checkVerification = "verify.check"
    case fetchLookup = "lookup.fetch"
    case listMedia = "media.list"
    case fetchMedia = "media.fetch"
    case fetchMediaContent = "media.content"
    case deleteMedia = "media.delete"
    case listNumbers = "numbers.list"
    case fetchNumber = "numbers.fetch"
    case updateNumber = "numbers.update"

    /// The route of a request, from its method and path; `nil` for paths that are not Twilio API routes.
    static func classify(method: HTTPRequest.Method, path: String) -> SandboxRoute? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if segments.first == "v2" { return classifyVersionTwo(method: method, segments: segments) }
        guard segments.count >= 3, segments[0] == "2010-04-01", segments[1] == "Accounts" else { return nil }
        switch (segments.count, method) {
        case (3, .get): return segments[2].hasSuffix(".json") ? .fetchAccount : nil
        case (4, .post) where segments[3] == "Messages.json": return .createMessage
        case (4, .get) where segments[3] == "Messages.json": return .listMessages
        case (5, .get) where segments[3] == "Messages": return .fetchMessage
        case (5, .post) where segments[3] == "Messages": return .updateMessage
        case (5, .delete) where segments[3] == "Messages": return .deleteMessage
        case (4, .post) where segments[3] == "Calls.json": return .createCall
        case (4, .get) where segments[3] == "Calls.json": return .listCalls
        case (5, .get) where segments[3] == "Calls" && segments[4].hasSuffix(".json"): return .fetchCall
        case (5, .post) where segments[3] == "Calls" && segments[4].hasSuffix(".json"): return .updateCall
        case (5, .delete) where segments[3] == "Calls" && segments[4].hasSuffix(".json"): return .deleteCall
        case (6, .get) where segments[3] == "Calls" && segments[5] == "Recordings.json": return .listRecordings
        case (4, .get) where segments[3] == "Recordings.json": return .listRecordings
        case (5, .get) where segments[3] == "Recordings":
            return segments[4].hasSuffix(".json") ? .fetchRecording : .fetchRecordingMedia
        case (5, .delete) where segments[3] == "Recordings" && segments[4].hasSuffix(".json"): return .deleteRecording
        case (6, .get) where segments[3] == "Messages" && segments[5] == "Media.json": return .listMedia
        case (7, .get) where segments[3] == "Messages" && segments[5] == "Media":
            return segments[6].hasSuffix(".json") ? .fetchMedia : .fetchMediaContent
        case (7, .delete) where segments[3] == "Messages" && segments[5] == "Media" && segments[6].hasSuffix(".json"): return .deleteMedia
        case (4, .get) where segments[3] == "IncomingPhoneNumbers.json": return .listNumbers
        case (5, .get) where segments[3] == "IncomingPhoneNumbers" && segments[4].hasSuffix(".json"): return .fetchNumber
        case (5, .post) where segments[3] == "IncomingPhoneNumbers" && segments[4].hasSuffix(".json"): return .updateNumber
        default: return nil
        }
    }
}

/// Scripted faults per route, consumed one per request in order.
final class FaultRegistry: Sendable {
    private let scripts = Mutex<[SandboxRoute: [SandboxFault]]>([:])

    func add(_ fault: SandboxFault, route: SandboxRoute, count: Int) {
        scripts.withLock { $0[route, default: []].append(contentsOf: Array(repeating: fault, count: max(1, count))) }
    }

    /// The next fault for `route`, consumed.
    func next(for route: SandboxRoute) -> SandboxFault? {
        scripts.withLock { scripts in
            guard var queue = scripts[route], !queue.isEmpty else { return nil }
            let fault = queue.removeFirst()
            scripts[route] = queue
            return fault
        }
    }

    /// Consumes the next fault for `route` only when it strikes at the request head (checked by
    /// the channel handler, before the request body is read).
    func takeHeadFault(for route: SandboxRoute) -> HeadFault? {
        scripts.withLock { scripts in
            guard var queue = scripts[route], case .head(let fault)? = queue.first else { return nil }
            queue.removeFirst()
            scripts[route] = queue
            return fault
        }
    }

    var pending: JSONValue {
        scripts.withLock { scripts in
            .object(
                JSONObject(
                    scripts.filter { !$0.value.isEmpty }.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                        ($0.key.rawValue, .array($0.value.map(\.json)))
                    }))
        }
    }

    func reset() { scripts.withLock { $0.removeAll() } }
}
