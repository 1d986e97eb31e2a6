public import ComponentCore
import ComponentHTTP
public import FoundationEssentials

/// A webhook request as the engine hands it to a trigger (docs/triggers.md): `headers`, `body`
/// (`{data, contentType}`), `rawBody` (`{data}` as a Node `Buffer` JSON, bytes, or text),
/// `queryParameters`, `webhookUrls`, `pathFragment`, `invokeUrl`, ...
public struct WebhookRequest: Sendable {
    /// The largest body accepted by default: webhook bodies are small.
    public static let defaultMaximumBodyBytes = 64 * 1024

    /// Header names and values as the engine gave them (a value may be a list).
    public var headers: [(name: String, value: JSONValue)]
    /// The body's bytes, as the sender sent them (what a signature covers).
    public var body: Data
    public var contentType: String
    public var queryParameters: JSONObject
    /// The whole payload, for fields a trigger reads itself.
    public var payload: JSONObject
    /// The form fields, when the engine handed them over parsed rather than as bytes.
    var parsedForm: [(String, String)]?

    /// Why a payload cannot be used, with the status to answer the sender with.
    public struct Problem: Error, Sendable {
        public var status: Int
        public var code: String
        public var message: String

        /// A problem.
        public init(status: Int, code: String, message: String) {
            self.status = status
            self.code = code
            self.message = message
        }
    }

    /// The request in `payload`, whose body may be at most `maximumBodyBytes` long.
    public init(payload value: JSONValue, maximumBodyBytes: Int = defaultMaximumBodyBytes) throws(Problem) {
        guard case .object(let payload) = value else {
            throw Problem(
                status: 400, code: "invalid_payload",
                message: "The webhook payload must be a JSON object with headers and a body, not \(value.kindDescription).")
        }
        self.payload = payload
        switch payload["headers"] {
        case .object(let object)?: headers = object.map { ($0.key, $0.value) }
        case nil, .null?: headers = []
        default:
            throw Problem(
                status: 400, code: "invalid_payload",
                message: "The webhook payload's 'headers' must be an object of header names and values.")
        }
        queryParameters = payload["queryParameters"]?.objectValue ?? [:]

        let declared =
            Self.header("Content-Type", in: headers) ?? payload["rawBody"]?["contentType"]?.stringValue
            ?? payload["body"]?["contentType"]?.stringValue
        contentType = declared ?? "application/x-www-form-urlencoded"
        if let raw = payload["rawBody"], raw != .null {
            body = try Self.bytes(raw["data"] ?? raw)
        } else if let parsed = payload["body"]?["data"] ?? payload["body"], parsed != .null {
            switch parsed {
            case .string(let text): body = Data(text.utf8)
            case .object(let object) where object.isEmpty: body = Data()
            case .object(let object) where !contentType.lowercased().hasPrefix("application/json"):
                // An engine that parsed the form already: its fields are the parameters.
                let fields = try Self.fields(object)
                parsedForm = fields
                body = Data(FormEncoding.encodeQuery(fields).utf8)
            case .object, .array: body = Data(JSONWriter.string(from: parsed).utf8)
            default: body = try Self.bytes(parsed)
            }
        } else {
            throw Problem(
                status: 400, code: "missing_body",
                message: "The webhook payload has neither 'rawBody' nor 'body'; pass the request body as it was sent.")
        }
        guard body.count <= maximumBodyBytes else {
            throw Problem(
                status: 413, code: "payload_too_large",
                message:
                    "The webhook body has \(body.count) bytes, more than the \(maximumBodyBytes) accepted, so the request is refused."
            )
        }
    }

    /// Form fields an engine already parsed: each value text, or a list of texts for a repeated name.
    static func fields(_ object: JSONObject) throws(Problem) -> [(String, String)] {
        var fields: [(String, String)] = []
        for (name, value) in object {
            for item in value.arrayValue ?? [value] {
                switch item {
                case .string(let text): fields.append((name, text))
                case .integer(let number): fields.append((name, String(number)))
                case .bool(let flag): fields.append((name, flag ? "true" : "false"))
                default:
                    throw Problem(
                        status: 400, code: "invalid_body",
                        message: "The webhook's parsed body field '\(name)' is \(item.kindDescription); form fields are text.")
                }
            }
        }
        return fields
    }

    /// Bytes from a Node `Buffer` JSON (`{"type": "Buffer", "data": [...]}`), a list of bytes, or text.
    static func bytes(_ value: JSONValue) throws(Problem) -> Data {
        switch value {
        case .string(let text): return Data(text.utf8)
        case .object(let object) where object["type"] == "Buffer":
            return try bytes(object["data"] ?? .array([]))
        case .array(let elements):
            var data = Data(capacity: elements.count)
            for element in elements {
                guard let byte = element.intValue, (0...255).contains(byte) else {
                    throw Problem(
                        status: 400, code: "invalid_payload", message: "The webhook's raw body holds a value that is not a byte (0 to 255)."
                    )
                }
                data.append(UInt8(byte))
            }
            return data
        case .null: return Data()
        default:
            throw Problem(
                status: 400, code: "invalid_payload",
                message: "The webhook's raw body must be bytes (a Buffer), or text, not \(value.kindDescription).")
        }
    }

    /// The single value of a header, any case; `nil` when absent.
    public static func header(_ name: String, in headers: [(name: String, value: JSONValue)]) -> String? {
        for header in headers where header.name.equalsIgnoringCase(name) {
            if let text = header.value.stringValue { return text }
            if let first = header.value.arrayValue?.first?.stringValue { return first }
        }
        return nil
    }

    /// Every value given for a header, any case: several keys, a list, or values joined by commas.
    public func values(of name: String) -> [String] {
        var values: [String] = []
        for header in headers where header.name.equalsIgnoringCase(name) {
            switch header.value {
            case .string(let text): values += text.split(separator: ",").map { $0.trimmingSpaces() }
            case .array(let list): values += list.compactMap(\.stringValue)
            default: break
            }
        }
        return values
    }

    /// Whether the body is JSON by its content type.
    public var isJSON: Bool { contentType.lowercased().hasPrefix("application/json") }

    /// The form parameters of the body, in order.
    public func formParameters() throws(Problem) -> [(String, String)] {
        if let parsedForm { return parsedForm }
        guard let text = String(data: body, encoding: .utf8), let fields = FormEncoding.decodeForm(text) else {
            throw Problem(
                status: 400, code: "invalid_body",
                message:
                    "The webhook body is not valid form encoding (application/x-www-form-urlencoded), as its content type says it is."
            )
        }
        return fields
    }

    /// The URLs the sender may have called (and signed): `publicURL` (with the request's query when
    /// it has none), else the webhook URL(s) the payload names, with its path fragment and query.
    public func candidateURLs(publicURL: String?) throws(Problem) -> [String] {
        // The engine's parsed query, put back as the sender wrote it (a list: a repeated name).
        let query = FormEncoding.encodeQuery(
            queryParameters.flatMap { name, value in
                (value.arrayValue ?? [value]).map { item in (name, item.stringValue ?? JSONWriter.string(from: item)) }
            })
        func withQuery(_ url: String) -> String {
            url.contains("?") || query.isEmpty ? url : url + "?" + query
        }
        if let publicURL, !publicURL.isEmpty { return [withQuery(publicURL)] }
        var bases: [String] = []
        if let urls = payload["webhookUrls"]?.objectValue {
            let fragment = payload["pathFragment"]?.stringValue ?? ""
            for (_, value) in urls {
                guard let url = value.stringValue, !url.isEmpty else { continue }
                bases.append(
                    fragment.isEmpty ? url : (url.hasSuffix("/") || fragment.hasPrefix("/") ? url + fragment : url + "/" + fragment))
            }
        }
        if bases.isEmpty, let invoke = payload["invokeUrl"]?.stringValue, !invoke.isEmpty { bases.append(invoke) }
        guard !bases.isEmpty else {
            throw Problem(
                status: 400, code: "missing_url",
                message:
                    "The webhook payload names no URL (webhookUrls or invokeUrl) and no Public URL input is set, so the signature cannot be checked; set Public URL to the address the service calls."
            )
        }
        return bases.map(withQuery)
    }
}
