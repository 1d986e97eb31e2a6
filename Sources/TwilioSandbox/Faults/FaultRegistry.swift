import ComponentRuntime
import Synchronization

/// A misbehaviour the sandbox can be told to show on a route's next requests.
enum SandboxFault: Sendable {
    /// Answer with an error status (429 with or without `Retry-After`, 500, 503, ...).
    case status(Int, code: Int?, retryAfter: String?)
    /// Wait before handling the request normally.
    case delay(milliseconds: Int)
    /// Close the connection as soon as the request head arrives: nothing is processed.
    case dropBeforeRead
    /// Process the request (create the message), then close the connection without answering:
    /// the case that tempts clients into sending twice.
    case dropAfterProcessing
    /// Handle the request normally (to script a fault for a later request).
    case pass

    init?(json: JSONValue) {
        switch json["type"]?.stringValue {
        case "status":
            guard let status = json["status"]?.intValue, (400...599).contains(status) else { return nil }
            self = .status(status, code: json["code"]?.intValue, retryAfter: json["retryAfter"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) })
        case "delay":
            guard let milliseconds = json["milliseconds"]?.intValue, milliseconds >= 0 else { return nil }
            self = .delay(milliseconds: milliseconds)
        case "dropBeforeRead": self = .dropBeforeRead
        case "dropAfterProcessing", "dropAfterCreate": self = .dropAfterProcessing
        case "pass": self = .pass
        default: return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .status(let status, let code, let retryAfter):
            ["type": "status", "status": .integer(status), "code": code.map(JSONValue.integer) ?? .null, "retryAfter": retryAfter.map(JSONValue.string) ?? .null]
        case .delay(let milliseconds): ["type": "delay", "milliseconds": .integer(milliseconds)]
        case .dropBeforeRead: ["type": "dropBeforeRead"]
        case .dropAfterProcessing: ["type": "dropAfterProcessing"]
        case .pass: ["type": "pass"]
        }
    }
}

/// The routes faults can be scripted for.
enum SandboxRoute: String, Sendable, CaseIterable {
    case createMessage = "messages.create"
    case listMessages = "messages.list"
    case fetchMessage = "messages.fetch"
    case updateMessage = "messages.update"
    case deleteMessage = "messages.delete"
    case fetchAccount = "accounts.fetch"

    /// The route of a request, from its method and path; `nil` for paths that are not Twilio API routes.
    static func classify(method: String, path: String) -> SandboxRoute? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        guard segments.count >= 3, segments[0] == "2010-04-01", segments[1] == "Accounts" else { return nil }
        switch (segments.count, method) {
        case (3, "GET"): return segments[2].hasSuffix(".json") ? .fetchAccount : nil
        case (4, "POST") where segments[3] == "Messages.json": return .createMessage
        case (4, "GET") where segments[3] == "Messages.json": return .listMessages
        case (5, "GET") where segments[3] == "Messages": return .fetchMessage
        case (5, "POST") where segments[3] == "Messages": return .updateMessage
        case (5, "DELETE") where segments[3] == "Messages": return .deleteMessage
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

    /// Consumes the next fault for `route` only when it is a drop before reading (checked by the
    /// channel handler, before the request body is read).
    func takeDropBeforeRead(for route: SandboxRoute) -> Bool {
        scripts.withLock { scripts in
            guard var queue = scripts[route], case .dropBeforeRead? = queue.first else { return false }
            queue.removeFirst()
            scripts[route] = queue
            return true
        }
    }

    var pending: JSONValue {
        scripts.withLock { scripts in
            .object(JSONObject(scripts.filter { !$0.value.isEmpty }.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, .array($0.value.map(\.json))) }))
        }
    }

    func reset() { scripts.withLock { $0.removeAll() } }
}
