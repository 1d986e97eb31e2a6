public import HTTPTypes

extension HTTPRequest.Method {
    /// Whether sending the request twice has the same effect as sending it once (RFC 9110 §9.2.2).
    /// Only idempotent requests are retried after they may have reached the server.
    public var isIdempotent: Bool {
        switch self {
        case .get, .head, .options, .put, .delete, .trace: true
        default: false
        }
    }
}

extension HTTPResponse.Status {
    /// The reason phrase for messages: the one the server sent, else the standard one for the
    /// codes an API client meets, else the class ("client error"). HTTP/2 sends no phrase at all.
    public var phrase: String {
        if !reasonPhrase.isEmpty { return reasonPhrase }
        if let known = Self.standard[code] { return known.reasonPhrase }
        switch kind {
        case .informational: return "informational"
        case .successful: return "success"
        case .redirection: return "redirection"
        case .clientError: return "client error"
        case .serverError, .invalid: return "server error"
        }
    }

    /// swift-http-types' named statuses, by code, for their phrases.
    private static let standard: [Int: HTTPResponse.Status] = Dictionary(
        uniqueKeysWithValues: [
            .ok, .created, .accepted, .noContent, .movedPermanently, .found, .seeOther, .notModified, .temporaryRedirect,
            .permanentRedirect, .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .notAcceptable, .requestTimeout,
            .conflict, .gone, .contentTooLarge, .uriTooLong, .unsupportedMediaType, .unprocessableContent, .tooManyRequests,
            .internalServerError, .notImplemented, .badGateway, .serviceUnavailable, .gatewayTimeout,
        ].map { ($0.code, $0) })
}
