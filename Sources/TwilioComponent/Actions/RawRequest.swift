import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FoundationEssentials
import HTTPTypes

/// `rawRequest`: any Twilio endpoint, with the connection's credentials. The URL is a path under
/// `https://api.twilio.com/2010-04-01` (or the region's host); an absolute URL must be on a host of
/// a product the component knows (api, verify, lookups) or the run's override, so the credentials
/// never go anywhere else. With an override, a product's host is replaced by it.
struct RawRequest: ActionHandler {
    struct Input: Decodable, Sendable {
        var data: JSONValue?
        var fileData: [KeyValueInput]?
        var fileDataFileNames: [KeyValueInput]?
        var formData: [KeyValueInput]?
        var headers: [KeyValueInput]?
        var maxRetries: Int
        var method: String
        var queryParams: [KeyValueInput]?
        var responseType: String
        var retryAllErrors: Bool
        var retryDelayMS: Int
        var timeout: Int?
        var url: String
        var useExponentialBackoff: Bool
    }

    let settings: ServiceSettings

    func handle(_ input: Input, context: ActionContext) async throws -> JSONValue {
        let api = try TwilioAPI(context: context, settings: settings)
        let url = try Self.resolve(input.url, api: api)
        let hasParts = !(input.formData ?? []).isEmpty || !(input.fileData ?? []).isEmpty
        if let data = input.data, data != .null, hasParts {
            throw ComponentError.invalidInput(
                "data", label: "Data",
                message:
                    "Input 'data' (Data) cannot be combined with Form Data or File Data: a request has one body. Send the fields as Form Data, or the whole body as Data.",
                owner: "action 'rawRequest'")
        }

        let headers = try Self.headerFields(input.headers ?? [])
        let body: HTTPBody
        if hasParts {
            let names = Dictionary((input.fileDataFileNames ?? []).map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
            var parts = (input.formData ?? []).map { MultipartPart.field($0.key, $0.value) }
            for file in input.fileData ?? [] {
                let fileName = names[file.key] ?? file.key
                parts.append(
                    .file(file.key, fileName: fileName, contentType: Self.contentType(forFileName: fileName), data: Data(file.value.utf8)))
            }
            body = .multipart(parts)
        } else {
            switch input.data {
            case nil, .null?: body = .none
            case .string(let text)?:
                // Twilio's 2010 API takes form bodies: text is sent as such unless a Content-Type says otherwise.
                body =
                    text.isEmpty
                    ? .none
                    : .bytes(Data(text.utf8), contentType: headers[.contentType] == nil ? "application/x-www-form-urlencoded" : nil)
            case let value?: body = .json(value)
            }
        }

        // The Timeout input bounds each attempt; without it, the run's timeouts apply.
        var timeouts: HTTPTimeouts?
        if let timeout = input.timeout {
            timeouts = settings.timeouts
            timeouts?.perAttempt = .milliseconds(timeout)
        }
        // The pre-defined exponential strategy is the component's own (the manifest's `retry:`).
        let backoff: RetryPolicy.Backoff =
            input.useExponentialBackoff
            ? settings.retry.backoff : input.retryDelayMS > 0 ? .fixed(.milliseconds(input.retryDelayMS)) : .none
        guard let method = HTTPRequest.Method(input.method.uppercased()) else {
            throw ComponentError.invalidInput(
                "method", label: "Method",
                message:
                    "Input 'method' (Method) '\(input.method)' is not an HTTP method; use one of the input's choices, such as GET, POST or DELETE.",
                owner: "action 'rawRequest'")
        }
        let request = HTTPClientRequest(
            method: method, url: url, headerFields: headers,
            query: (input.queryParams ?? []).map { ($0.key, $0.value) }, body: body, timeouts: timeouts,
            retry: RetryPolicy(
                maxRetries: input.maxRetries, backoff: backoff, retryAfterCap: settings.retry.retryAfterCap,
                retryAllErrors: input.retryAllErrors))
        let response = try await api.send(request)
        return response.decodedBody(as: ResponseType(rawValue: input.responseType) ?? .json)
    }

    /// The request's header fields from the Headers input, in order. `Authorization` is dropped:
    /// the connection's credentials are the only ones sent.
    static func headerFields(_ headers: [KeyValueInput]) throws(ComponentError) -> HTTPFields {
        var fields = HTTPFields()
        var invalid: [String] = []
        for header in headers {
            guard let name = HTTPField.Name(header.key) else {
                invalid.append("'\(header.key)'")
                continue
            }
            if name != .authorization { fields.append(HTTPField(name: name, value: header.value)) }
        }
        guard invalid.isEmpty else {
            throw ComponentError.invalidInput(
                "headers", label: "Headers",
                message:
                    "Input 'headers' (Headers) has \(invalid.count == 1 ? "a name" : "names") that cannot be a header: \(invalid.joined(separator: ", ")). A header name is letters, digits and !#$%&'*+-.^_`|~, with no spaces or colons.",
                owner: "action 'rawRequest'")
        }
        return fields
    }

    /// The full URL: `$TWILIO_ACCOUNT_SID` replaced; a path joined to the API base; an absolute URL
    /// only to an https host of a product the component knows (api, verify, lookups, with or
    /// without `{edge}.{region}`), or to the run's base-URL override, so the credentials go nowhere
    /// else. With an override, a product's host is replaced by the override's (path and query
    /// kept): the override stands for every Twilio host, as for the other actions.
    static func resolve(_ raw: String, api: TwilioAPI) throws(ComponentError) -> String {
        try resolve(raw, accountSid: api.credentials.accountSid, apiBaseURL: api.baseURL, override: api.settings.baseURL)
    }

    /// ``resolve(_:api:)`` for an account, the API's base URL and the run's override, if any.
    ///
    /// Where the credentials go is decided by libcurl's own reading of the URL (``CurlURL``), the
    /// parser the transport connects with, and the URL returned is rebuilt from that reading, so
    /// no other parser's view of the same text matters. An authority with anything but plain
    /// ASCII, or with `%` or `\`, is refused: no parser gets to map it to another host.
    static func resolve(_ raw: String, accountSid: String, apiBaseURL: String, override: String?) throws(ComponentError) -> String {
        let text = raw.trimmingSpaces().replacing("$TWILIO_ACCOUNT_SID", with: accountSid)
        let isAbsolute = text.hasPrefix("//") || startsWithScheme(text)
        guard isAbsolute else {
            var path = text.drop(while: { $0 == "/" })
            if path.hasPrefix("2010-04-01/") { path = path.dropFirst("2010-04-01/".count) }  // already the full path
            return apiBaseURL + "/2010-04-01/" + path
        }
        // `//host/path` is https, as the component sends every request.
        let absolute = text.hasPrefix("//") ? "https:" + text : text
        let parsed = plainAuthority(absolute) ? CurlURL(absolute) : nil
        let base = override.map { String($0.reversed().drop(while: { $0 == "/" }).reversed()) }
        let overrideURL = base.flatMap(CurlURL.init)
        let pathAndQuery = parsed.map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? ""
        if let parsed, !parsed.hasUserInfo, let overrideURL, let base, parsed.scheme == overrideURL.scheme,
            parsed.host.lowercased() == overrideURL.host.lowercased(), parsed.port == overrideURL.port
        {
            // Already on the override: its path is the one given (the override's own path prefix
            // is in it already, or not wanted).
            return overrideURL.scheme + "://" + overrideURL.host + (overrideURL.port.map { ":\($0)" } ?? "") + pathAndQuery
        }
        if let parsed, !parsed.hasUserInfo, parsed.scheme == "https", parsed.port == nil || parsed.port == 443,
            let product = TwilioHosts.product(ofHost: parsed.host)
        {
            // A product's host in a region Twilio does not serve it in does not exist: every
            // attempt would fail as not sent, and be retried forever.
            let region = TwilioHosts.region(ofHost: parsed.host)
            if !product.isServed(in: region), let regions = product.regions {
                throw ComponentError.invalidInput(
                    "url", label: "URL",
                    message:
                        "Input 'url' (URL) points to \(parsed.host.lowercased()), but Twilio serves \(product.name) only in \(regions.map { $0.uppercased() }.joined(separator: " and ")), so that host does not exist: use \(regions.map { "\(TwilioHosts.baseURL(product, region: $0 == "us1" ? nil : $0, edge: nil)) (\($0.uppercased()))" }.joined(separator: " or ")) instead, with credentials of that region.",
                    owner: "action 'rawRequest'")
            }
            guard let base else { return "https://" + parsed.host + (parsed.port.map { ":\($0)" } ?? "") + pathAndQuery }
            return base + pathAndQuery
        }
        let named =
            parsed == nil
            ? "a URL whose host cannot be read plainly (only ASCII letters, digits, dots and dashes; no %, \\ or spaces)"
            : parsed?.hasUserInfo == true ? "a URL with user information (user@host)" : "\(parsed!.scheme)://\(parsed!.host)"
        throw ComponentError.invalidInput(
            "url", label: "URL",
            message:
                "Input 'url' (URL) points to \(named), which is not one of the Twilio hosts this component sends its credentials to: rawRequest sends only to https://api.twilio.com, https://verify.twilio.com and https://lookups.twilio.com (or their {edge}.{region} hosts), or to the run's base URL. Give a path such as /Accounts/$TWILIO_ACCOUNT_SID/Messages.json, or a full URL on one of those hosts.",
            owner: "action 'rawRequest'")
    }

    /// Whether `text` starts with `scheme://` (`^[A-Za-z][A-Za-z0-9+.-]*://`, RFC 3986's scheme).
    static func startsWithScheme(_ text: String) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
        func isSchemeByte(_ byte: UInt8) -> Bool {
            isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "-")
        }
        let bytes = text.utf8
        guard let first = bytes.first, isLetter(first) else { return false }
        let rest = bytes.dropFirst().drop(while: isSchemeByte)
        return rest.starts(with: "://".utf8)
    }

    /// Whether the authority of `url` (after `scheme://`, up to the first `/`, `?` or `#`) is
    /// printable ASCII without `%` or `\`: nothing a parser could decode or map to another host.
    static func plainAuthority(_ url: String) -> Bool {
        guard let start = url.firstRange(of: "://") else { return false }
        let authority = url[start.upperBound...].prefix(while: { !"/?#".contains($0) })
        return authority.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && $0 != "%" && $0 != "\\" }
    }

    /// A content type guessed from a file name's extension.
    static func contentType(forFileName name: String) -> String {
        switch PathText.pathExtension(name).lowercased() {
        case "txt": "text/plain"
        case "json": "application/json"
        case "csv": "text/csv"
        case "xml": "application/xml"
        case "html", "htm": "text/html"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "pdf": "application/pdf"
        default: "application/octet-stream"
        }
    }
}
