import ComponentCore
import ComponentHTTP
import Foundation

/// A Twilio webhook as the engine hands it over, in the shape of the original component's trigger
/// payload: `headers`, `body` (`{data, contentType}`), `rawBody` (`{data}` as a Node `Buffer`
/// JSON, bytes, or text), `queryParameters`, `webhookUrls`, `pathFragment`, `invokeUrl`, ...
struct WebhookRequest {
    /// The largest body accepted; Twilio's own requests are far smaller.
    static let maximumBodyBytes = 64 * 1024

    var headers: [(name: String, value: JSONValue)]
    var body: Data
    var contentType: String
    var queryParameters: JSONObject
    var payload: JSONObject
    /// The form fields, when the engine handed them over parsed rather than as bytes.
    var parsedForm: [(String, String)]?

    /// Why a payload cannot be used, with the status to answer Twilio with.
    struct Problem: Error {
        var status: Int
        var code: String
        var message: String
    }

    init(payload value: JSONValue) throws(Problem) {
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
                message: "The webhook payload has neither 'rawBody' nor 'body'; pass the request body Twilio sent.")
        }
        guard body.count <= Self.maximumBodyBytes else {
            throw Problem(
                status: 413, code: "payload_too_large",
                message:
                    "The webhook body has \(body.count) bytes, more than the \(Self.maximumBodyBytes) accepted; Twilio never sends that much, so the request is refused."
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
    static func header(_ name: String, in headers: [(name: String, value: JSONValue)]) -> String? {
        for header in headers where header.name.caseInsensitiveCompare(name) == .orderedSame {
            if let text = header.value.stringValue { return text }
            if let first = header.value.arrayValue?.first?.stringValue { return first }
        }
        return nil
    }

    /// Every value given for a header, any case: several keys, a list, or values joined by commas.
    func values(of name: String) -> [String] {
        var values: [String] = []
        for header in headers where header.name.caseInsensitiveCompare(name) == .orderedSame {
            switch header.value {
            case .string(let text): values += text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case .array(let list): values += list.compactMap(\.stringValue)
            default: break
            }
        }
        return values
    }

    var isJSON: Bool { contentType.lowercased().hasPrefix("application/json") }

    /// The form parameters of the body, in order.
    func formParameters() throws(Problem) -> [(String, String)] {
        if let parsedForm { return parsedForm }
        guard let text = String(data: body, encoding: .utf8), let fields = FormEncoding.decodeForm(text) else {
            throw Problem(
                status: 400, code: "invalid_body",
                message:
                    "The webhook body is not valid form encoding (application/x-www-form-urlencoded); Twilio sends its parameters that way."
            )
        }
        return fields
    }

    /// The URLs Twilio may have signed: the Public URL input (with the request's query when it has
    /// none), else the webhook URL(s) the payload names, with its path fragment and query.
    func candidateURLs(publicURL: String?) throws(Problem) -> [String] {
        // The engine's parsed query, put back as Twilio would have written it (a list: a repeated name).
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
                    "The webhook payload names no URL (webhookUrls or invokeUrl) and no Public URL input is set, so the signature cannot be checked; set Public URL to the address Twilio calls."
            )
        }
        return bases.map(withQuery)
    }
}
