import ComponentCore
import ComponentHTTP
import ComponentManifest
import ComponentRuntime
import Foundation
import Logging
import TestSupport
import TwilioComponent

/// The Twilio component run in-process through the generic runner, the way an engine's host runs
/// it: a manifest, the handlers, an invocation in, an envelope out.
struct ComponentInvoker {
    let runner: ComponentRunner

    /// The component, talking to `baseURL` (the sandbox) when given, trusting the CA in
    /// `certificateAuthorityFile` (the sandbox's, over HTTPS).
    init(baseURL: String? = nil, certificateAuthorityFile: String? = nil) throws {
        let manifest = try ManifestLoader.load(text: TwilioComponent.manifestText, file: TwilioComponent.manifestFileName).manifest
        let pool = HTTPConnectionPool(settings: HTTPClientSettings(trust: TLSTrust(certificateFile: certificateAuthorityFile)))
        let settings = ServiceSettings(
            baseURL: baseURL, http: CurlHTTPClient(userAgent: "twilio-component/\(manifest.version ?? "") \(Libcurl.product)", pool: pool),
            retry: RetryPolicy(manifest.retry))
        runner = try ComponentRunner(ComponentDefinition(manifest: manifest, handlers: TwilioComponent.handlers(settings)))
    }

    /// The component, talking to the sandbox `harness` stands on.
    init(_ harness: Harness) throws {
        try self.init(baseURL: harness.baseURL, certificateAuthorityFile: harness.certificateAuthorityFile)
    }

    func run(_ element: String, inputs: JSONObject = [:], connection: RawConnection?, payload: JSONValue? = nil, state: JSONValue? = nil)
        async -> InvocationResult
    {
        await runner.run(
            InvocationRequest(element: element, inputs: inputs, connection: connection, payload: payload, state: state),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// An Auth Token connection.
    static func authToken(_ token: String, accountSid: String = "AC" + String(repeating: "a", count: 32)) -> RawConnection {
        RawConnection(key: "authToken", fields: ["accountSid": .string(accountSid), "authToken": .string(token)])
    }

    /// The engine's webhook payload for a request a test server received: the headers, the body as
    /// a Node `Buffer`, the flow's URL and the parsed query, in the shape of the seed's example.
    static func webhookPayload(for request: TestHTTPServer.Request, baseURL: String) -> JSONValue {
        var headers = JSONObject()
        for header in request.headers { headers[header.name] = .string(header.value) }
        let parts = request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        var parameters = JSONObject()
        for (name, value) in FormEncoding.decodeForm(parts.count > 1 ? String(parts[1]) : "") ?? [] { parameters[name] = .string(value) }
        return [
            "headers": .object(headers),
            "body": [
                "data": .string(String(decoding: request.body, as: UTF8.self)),
                "contentType": .string(request.header("Content-Type") ?? ""),
            ],
            "rawBody": ["data": ["type": "Buffer", "data": .array(request.body.map { .integer(Int($0)) })]],
            "queryParameters": parameters.isEmpty ? .null : .object(parameters),
            "webhookUrls": ["Flow 1": .string(baseURL + path)],
            "pathFragment": "", "invokeUrl": "", "executionId": "", "startedAt": "", "globalDebug": false,
        ]
    }
}
