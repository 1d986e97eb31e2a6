public import ComponentCore
public import ComponentHost
import ComponentManifest
public import ComponentRuntime
import Foundation
import Synchronization

/// A component's executable run inside the test process: the run-action harness (`run`) or an
/// engine's one-shot request (`invoke`), through the same code paths as the built executable,
/// with standard output and standard error captured.
public struct ComponentHarness: Sendable {
    /// What a run printed and how it ended.
    public struct Output: Sendable {
        public var exitCode: Int32
        public var standardOutput: String
        public var standardError: String

        /// The JSON envelope on standard output, if it parses.
        public var envelope: JSONValue? { try? JSONParser.parse(standardOutput) }
    }

    /// The component, as its `main` hosts it.
    public var component: HostedComponent

    /// A harness for `component`.
    public init(component: HostedComponent) {
        self.component = component
    }

    /// Runs the run-action harness with `arguments` (`["sendEmail", "--input", "to=..."]`,
    /// `["--list"]`) and `environment` (nothing of the test process's own is passed on).
    public func run(_ arguments: [String], environment: [String: String] = [:]) async -> Output {
        await capture { io in await RunActionHarness.run(component, arguments: arguments, environment: environment, io: io) }
    }

    /// Runs one engine request (`invoke`, `trigger` or `data-source`, by what `element` is in the
    /// manifest) and returns its envelope: `{"data": ...}` (a trigger's `{"payload", ...}`) or
    /// `{"error": ...}`. `baseURL` sends the component's requests there (a ``TestHTTPServer``).
    public func invoke(
        _ element: String, inputs: JSONObject = [:], connection: RawConnection? = nil, payload: JSONValue? = nil, state: JSONValue? = nil,
        baseURL: String? = nil, environment: [String: String] = [:]
    ) async -> JSONValue {
        await request(
            element, inputs: inputs, connection: connection, payload: payload, state: state, baseURL: baseURL, environment: environment
        )
        .envelope ?? .null
    }

    /// ``invoke(_:inputs:connection:payload:state:baseURL:environment:)`` with its exit code and
    /// standard error too.
    public func request(
        _ element: String, inputs: JSONObject = [:], connection: RawConnection? = nil, payload: JSONValue? = nil, state: JSONValue? = nil,
        baseURL: String? = nil, environment: [String: String] = [:]
    ) async -> Output {
        let manifest = try? component.reading(environment).loadManifest(overridePath: nil).manifest
        let (field, subcommand) =
            if manifest?.trigger(element) != nil { ("trigger", "trigger") } else if manifest?.dataSource(element) != nil {
                ("dataSource", "data-source")
            } else { ("action", "invoke") }
        var request: JSONObject = [field: .string(element), "inputs": .object(inputs)]
        if let connection { request["connection"] = ["key": .string(connection.key), "fields": .object(connection.fields)] }
        if let payload { request["payload"] = payload }
        if let state { request["state"] = state }
        return await engine(subcommand, request: request, baseURL: baseURL, environment: environment)
    }

    /// Runs the engine's `subcommand` with `request` in a file.
    private func engine(_ subcommand: String, request: JSONObject, baseURL: String?, environment: [String: String]) async -> Output {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("component-request-\(UUID().uuidString).json").path
        guard FileManager.default.createFile(atPath: file, contents: Data(JSONWriter.string(from: .object(request)).utf8)) else {
            return Output(exitCode: -1, standardOutput: "", standardError: "error: could not write the request to \(file)")
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        let arguments = [subcommand, "--request", file] + (baseURL.map { ["--base-url", $0] } ?? [])
        return await capture { io in await ComponentTool.run(component, arguments: arguments, environment: environment, io: io) }
    }

    /// Checks `connection` (else the environment's) as an engine's `check` does: the component's
    /// connection check, against `baseURL` when given.
    public func check(connection: RawConnection? = nil, baseURL: String? = nil, environment: [String: String] = [:]) async -> Output {
        var request: JSONObject = ["check": true]
        if let connection { request["connection"] = ["key": .string(connection.key), "fields": .object(connection.fields)] }
        return await engine("check", request: request, baseURL: baseURL, environment: environment)
    }

    private func capture(_ body: (HostIO) async -> Int32) async -> Output {
        let out = Mutex("")
        let err = Mutex("")
        let code = await body(HostIO(writeOut: { text in out.withLock { $0 += text } }, writeErr: { text in err.withLock { $0 += text } }))
        return Output(exitCode: code, standardOutput: out.withLock { $0 }, standardError: err.withLock { $0 })
    }
}
