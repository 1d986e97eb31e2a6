import ComponentCore
import HTTPTypes
import Hummingbird
import NIOCore

/// Answers the Calls and Recordings routes (authenticated already) with ``CallsAPI`` and ``RecordingsAPI``.
enum VoiceRoutes {
    /// The answer to `route`, or `nil` when it is not a voice route.
    static func respond(
        route: SandboxRoute, core: SandboxCore, account: String, segments: [String], form: [(String, String)],
        query: [(String, String)], path: String
    ) -> Response? {
        let calls = CallsAPI(core: core, account: account)
        let recordings = RecordingsAPI(core: core, account: account)
        let sid = segments.count > 4 ? String(segments[4].prefix { $0 != "." }) : ""
        let result: Result<(HTTPResponse.Status, JSONValue?), TwilioAPIError>
        switch route {
        case .createCall: result = calls.create(form).map { (.created, $0) }
        case .listCalls: result = calls.list(query, path: path).map { (.ok, $0) }
        case .fetchCall: result = calls.fetch(sid: sid, path: path).map { (.ok, $0) }
        case .updateCall: result = calls.update(sid: sid, form: form, path: path).map { (.ok, $0) }
        case .deleteCall: result = calls.delete(sid: sid, path: path).map { (.noContent, nil) }
        case .listRecordings:
            result = recordings.list(query, callSid: segments.count == 6 ? sid : nil, path: path).map { (.ok, $0) }
        case .fetchRecording: result = recordings.fetch(sid: sid, path: path).map { (.ok, $0) }
        case .deleteRecording: result = recordings.delete(sid: sid, path: path).map { (.noContent, nil) }
        case .fetchRecordingMedia:
            let name = segments[4]
            let fileExtension = name.contains(".") ? String(name.split(separator: ".").last!) : "wav"
            guard fileExtension == "wav" || fileExtension == "mp3" else { return SandboxResponder.error(.notFound(path)) }
            switch recordings.media(sid: sid, extension: fileExtension, path: path) {
            case .failure(let error): return SandboxResponder.error(error)
            case .success(let media):
                var headers = HTTPFields()
                headers[.contentType] = media.contentType
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: media.bytes)))
            }
        default: return nil
        }
        switch result {
        case .success((let status, let json)): return SandboxResponder.json(status, json)
        case .failure(let error): return SandboxResponder.error(error)
        }
    }
}
