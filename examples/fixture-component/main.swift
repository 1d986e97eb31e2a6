// The smallest component there is: two actions and a connection, all in this file and fixture.yaml.
// The host tests run it; docs/writing-a-component.md starts from it.
import ComponentKit

struct EchoInput: Codable, Sendable {
    var message: String
    var count: Int
    var loud: Bool
    var ratio: Double?
    var tags: [String]?
    var headers: [KeyValuePair]?
    var color: String?
    var day: String?
    var at: String?
    var payload: JSONValue?
    var pin: Secret?
}

struct KeyValuePair: Codable, Sendable {
    var key: String
    var value: String
}

struct ConnectionEcho: Encodable, Sendable {
    var key: String
    var user: String?
    var token: Secret?
}

var handlers = HandlerRegistry()
/// An unclassified failure, as a bug in a handler would throw.
struct FixtureFailure: Error {}

handlers.action("echo") { (input: EchoInput, context) in
    if input.message == "raise" { throw FixtureFailure() }
    context.logger.info("echoing", metadata: ["token": .string(context.connection?.secret("token")?.reveal() ?? "")])
    var echoed = input
    if input.loud { echoed.message = input.message.uppercased() }
    // The input echoed back in its own field order (a Secret encodes as "<redacted>"), then the connection.
    guard case .object(var output) = try JSONValueEncoder().encode(echoed) else { return JSONValue.null }
    output["connection"] = try JSONValueEncoder().encode(
        context.connection.map { ConnectionEcho(key: $0.key, user: $0.string("user"), token: $0.secret("token")) })
    return JSONValue.object(output)
}
handlers.action("whoami") { (_: NoInputs, context) -> JSONValue in
    ["user": .string(context.connection?.string("user") ?? "")]
}

let registry = handlers
let component = HostedComponent(
    manifest: .embedded(fileName: EmbeddedManifest.fileName, text: EmbeddedManifest.text),
    connectionHelp: "FIXTURE_USER with FIXTURE_TOKEN",
    environmentConnection: { environment in
        guard let user = environment["FIXTURE_USER"], let token = environment["FIXTURE_TOKEN"] else { return nil }
        return RawConnection(key: "token", fields: ["user": .string(user), "token": .string(token)])
    },
    makeHandlers: { _ in registry })
await ComponentMain.main(component)
