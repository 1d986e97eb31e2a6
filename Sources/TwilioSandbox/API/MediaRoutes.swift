import ComponentCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Answers a message's Media routes (authenticated already) with ``MediaAPI``.
enum MediaRoutes {
    /// The answer to `route`, or `nil` when it is not one of these routes.
    static func respond(
        route: SandboxRoute, core: SandboxCore, account: String, segments: [String], query: [(String, String)], path: String
    ) -> Response? {
        let media = MediaAPI(core: core, account: account)
        func sid(_ position: Int) -> String { segments.count > position ? String(segments[position].prefix { $0 != "." }) : "" }
        let result: Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError>
        switch route {
        case .listMedia: result = media.list(messageSid: sid(4), query: query, path: path).map { (.ok, $0) }
        case .fetchMedia: result = media.fetch(messageSid: sid(4), sid: sid(6), path: path).map { (.ok, $0) }
        case .deleteMedia: result = media.delete(messageSid: sid(4), sid: sid(6), path: path).map { (.noContent, nil) }
        case .fetchMediaContent:
            switch media.content(messageSid: sid(4), sid: segments[6], path: path) {
            case .failure(let error): return SandboxResponder.error(error)
            case .success(let content):
                var headers = HTTPFields()
                headers[.contentType] = content.contentType
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: content.bytes)))
            }
        default: return nil
        }
        switch result {
        case .success((let status, let json)): return SandboxResponder.json(status, json)
        case .failure(let error): return SandboxResponder.error(error)
        }
    }
}
