import ComponentCore
public import ComponentHost
import ComponentManifest
import ComponentRuntime
import Foundation
import Logging
import MCP

extension MCPService {
    /// `mcp` served in this process, on the MCP SDK (which links full Foundation).
    public static let inProcess = MCPService { component, target, _, environment, io in
        await MCPBridge.run(component, target: target, environment: environment, io: io)
    }
}

/// `mcp`: the component's actions as MCP tools over standard input and output, with the official
/// MCP Swift SDK. A tool's input schema is its action's, without the connection input: the
/// connection is the one the session settled on (the environment, or the built-in sandbox).
enum MCPBridge {
    static func run(_ component: HostedComponent, target: EngineTarget, environment: [String: String], io: HostIO) async -> Int32 {
        let session: EngineSession
        do {
            session = try await EngineSession.start(
                component, target: target, environment: environment, io: io, label: "\(component.commandName) mcp")
        } catch {
            io.writeErr(error.message + "\n")
            return error.exitCode
        }
        if session.services.connection == nil {
            io.writeErr(
                "\(component.commandName) mcp: no connection in the environment; tool calls will fail with a connection error "
                    + "until one is set (or start with --sandbox).\n")
        }
        let manifest = session.manifest
        let tools = manifest.actions.map(tool)
        let server = Server(
            name: manifest.key, version: component.version(of: manifest), title: manifest.display.label,
            instructions: manifest.display.description, capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: tools)
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await call(parameters, session: session)
        }
        do {
            try await server.start(transport: StdioTransport(logger: io.logger(label: "mcp", level: .warning)))
        } catch {
            io.writeErr("error: the MCP server could not start: \(error)\n")
            await session.stop()
            return ComponentError.Kind.internal.exitCode
        }
        await server.waitUntilCompleted()
        await session.stop()
        return 0
    }

    /// The tool of `action`: its inputs as the schema (without the connection), and its hints.
    static func tool(_ action: ActionDefinition) -> Tool {
        let schema = InputSchema.requestSchema(for: action)
        return Tool(
            name: action.key, title: action.label, description: action.description ?? action.label, inputSchema: value(schema),
            annotations: Tool.Annotations(
                title: action.label, readOnlyHint: action.hints.readOnly, destructiveHint: action.hints.destructive,
                idempotentHint: action.hints.idempotent, openWorldHint: true))
    }

    /// Runs the tool's action; the result envelope is the structured content, and its JSON the text.
    static func call(_ parameters: CallTool.Parameters, session: EngineSession) async -> CallTool.Result {
        var inputs = JSONObject()
        for (key, argument) in (parameters.arguments ?? [:]).sorted(by: { $0.key < $1.key }) { inputs[key] = json(argument) }
        let request = EngineRequest(action: parameters.name, inputs: inputs)
        let result = await session.respond(request)
        return CallTool.Result(
            content: [.text(text: JSONWriter.string(from: result.envelope), annotations: nil, _meta: nil)],
            structuredContent: Optional<Value>.some(value(result.envelope)), isError: result.error != nil)
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .integer(let integer): .int(integer)
        case .number(let number): .double(number)
        case .string(let string): .string(string)
        case .array(let array): .array(array.map(value))
        case .object(let object): .object(Dictionary(object.map { ($0.key, value($0.value)) }, uniquingKeysWith: { $1 }))
        }
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .int(let integer): .integer(integer)
        case .double(let number): .number(number)
        case .string(let string): .string(string)
        case .data(_, let data): .string(data.base64EncodedString())
        case .array(let array): .array(array.map(json))
        case .object(let object): .object(JSONObject(object.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }
}
