import ComponentCore
@testable import ComponentRuntime
import Foundation
import Logging
import TestSupport
import Testing

@Suite(.timingInsensitive) struct ComponentRunnerTests {
    struct EchoInput: Decodable, Sendable {
        var message: String
        var count: Int
        var pin: Secret?
    }

    struct EchoOutput: Encodable, Sendable {
        var message: String
        var count: Int
        var pin: Secret?
        var user: String?
    }

    func handlers() -> HandlerRegistry {
        var handlers = HandlerRegistry()
        handlers.action("echo") { (input: EchoInput, context) in
            context.logger.info("token is \(context.connection?.secret("token")?.reveal() ?? "")")
            // As a handler normalising a secret before sending it would (a date, an ID number).
            if let pin = input.pin { context.logger.info("pin sent as \(pin.reveal().filter { $0.isNumber })") }
            return EchoOutput(message: input.message, count: input.count, pin: input.pin, user: context.connection?.string("user"))
        }
        handlers.action("whoami") { (_: NoInputs, context) -> JSONValue in
            throw ComponentError(
                .upstream, code: 21211, message: "The service refused \(context.connection?.secret("token")?.reveal() ?? "")", status: 400)
        }
        return handlers
    }

    func runner() throws -> ComponentRunner {
        try ComponentRunner(ComponentDefinition(manifest: try FixtureManifest.load(), handlers: handlers()))
    }

    let connection = RawConnection(key: "token", fields: ["user": "alice", "token": "tok-9f8e7d6c5b"])

    @Test func wrapsTheResultInTheDataEnvelope() async throws {
        let result = try await runner().runAction(
            InvocationRequest(element: "echo", inputs: ["message": "hi", "count": "3"], connection: connection),
            logger: LogCapture().logger())
        #expect(result.exitCode == 0)
        #expect(JSONWriter.string(from: result.envelope) == #"{"data":{"message":"hi","count":3,"pin":null,"user":"alice"}}"#)
    }

    @Test func checksHandlersAgainstTheManifestBothWays() throws {
        var missing = HandlerRegistry()
        missing.action("echo") { (_: NoInputs, _) in "x" }
        missing.action("shout") { (_: NoInputs, _) in "x" }
        let manifest = try FixtureManifest.load()
        #expect(throws: ComponentDefinitionError.self) {
            try ComponentRunner(ComponentDefinition(manifest: manifest, handlers: missing))
        }
        do {
            _ = try ComponentRunner(ComponentDefinition(manifest: manifest, handlers: missing))
        } catch {
            #expect(error.problems.count == 2)
            #expect(error.problems[0].hasPrefix("The action 'whoami' is declared in the manifest (fixture.yaml:"))
            #expect(
                error.problems[1]
                    == "A handler is registered for the action 'shout', but the manifest declares no such action; add it to 'actions:' or remove the handler."
            )
        }
    }

    @Test func classifiesFailures() async throws {
        let runner = try runner()
        let logger = LogCapture().logger()
        let unknown = await runner.runAction(InvocationRequest(element: "ecko"), logger: logger)
        #expect(unknown.error?.kind == .protocol)
        #expect(unknown.error?.message == "Unknown action 'ecko'. Did you mean 'echo'? This component's actions are: echo, whoami.")
        #expect(unknown.exitCode == 7)

        let noConnection = await runner.runAction(InvocationRequest(element: "echo", inputs: ["message": "hi"]), logger: logger)
        #expect(noConnection.error?.kind == .connection)
        #expect(noConnection.error?.code == "missing_connection")
        #expect(noConnection.exitCode == 3)

        let wrongConnection = await runner.runAction(
            InvocationRequest(element: "echo", inputs: ["message": "hi"], connection: RawConnection(key: "tokn", fields: [:])),
            logger: logger)
        #expect(
            wrongConnection.error?.message
                == "Unknown connection 'tokn'. Did you mean 'token'? This component's connections are: token (Token Connection).")

        let badField = await runner.runAction(
            InvocationRequest(
                element: "echo", inputs: ["message": "hi"], connection: RawConnection(key: "token", fields: ["user": "Alice"])),
            logger: logger)
        #expect(
            badField.error?.message
                == "Connection 'token' is not usable:\nField 'user' (User) must match the pattern ^[a-z]+$, but '<redacted>' does not.\nField 'token' (Token) is required; give it a value."
        )

        let upstream = await runner.runAction(InvocationRequest(element: "whoami", connection: connection), logger: logger)
        #expect(upstream.error?.kind == .upstream)
        #expect(upstream.exitCode == 4)
        #expect(
            JSONWriter.string(from: upstream.envelope)
                == #"{"error":{"kind":"upstream","code":21211,"message":"The service refused <redacted>","status":400,"moreInfo":null,"retryable":false,"maybeSent":false,"input":null}}"#
        )
    }

    @Test func takesAConnectionEmbeddedInTheInputs() async throws {
        let result = try await runner().runAction(
            InvocationRequest(
                element: "echo",
                inputs: ["message": "hi", "connection": ["key": "token", "fields": ["user": "bob", "token": "tok-123456"]]]),
            logger: LogCapture().logger())
        #expect(result.envelope["data"]?["user"] == "bob")
    }

    @Test func aKnownSecretAppearsNowhere() async throws {
        let secret = "tok-9f8e7d6c5b"
        let pin = "pin-4711-0815"
        let capture = LogCapture()
        let runner = try runner()
        var outputs: [String] = []
        for request in [
            InvocationRequest(element: "echo", inputs: ["message": "hi", "pin": .string(pin)], connection: connection, debug: true),
            InvocationRequest(
                element: "echo", inputs: ["message": "hi", "pin": .string(pin), "count": "x"], connection: connection, debug: true),
            InvocationRequest(element: "whoami", connection: connection, debug: true),
            InvocationRequest(
                element: "echo", inputs: ["pin": .string(pin)],
                connection: RawConnection(key: "token", fields: ["token": .string(secret), "user": "A"]), debug: true),
        ] {
            let result = await runner.runAction(request, logger: capture.logger())
            outputs.append(JSONWriter.string(from: result.envelope, style: .pretty))
            outputs.append(result.error?.message ?? "")
        }
        let everything = outputs.joined(separator: "\n") + capture.text
        #expect(capture.text.contains("token is <redacted>"))
        #expect(capture.text.contains("Running action 'echo'"))
        for needle in [secret, pin, Data("alice:\(secret)".utf8).base64EncodedString()] {
            #expect(!everything.contains(needle), "found \(needle)")
        }
    }
}

extension ComponentRunnerTests {
    /// A secret input is also scrubbed in the compact form a handler may send it in (trimmed,
    /// without the separators of a date or an ID number), but not down to short fragments.
    @Test func aSecretIsScrubbedAsAHandlerCompactsIt() async throws {
        let capture = LogCapture()
        let result = try await runner().runAction(
            InvocationRequest(element: "echo", inputs: ["message": "hi", "count": "1", "pin": " 4711-0815/99 "], connection: connection),
            logger: capture.logger())
        #expect(result.exitCode == 0)
        #expect(capture.text.contains("pin sent as <redacted>"), "\(capture.text)")
        #expect(!capture.text.contains("4711081599"))
        #expect(ResolvedInputs.compactForms(of: " 1990-12-14 ") == ["1990-12-14", "19901214"])
        #expect(ResolvedInputs.compactForms(of: "19901214").isEmpty)
        #expect(ResolvedInputs.compactForms(of: "12-34").isEmpty, "too short to scrub without garbling output")
    }
}

@Suite(.timingInsensitive) struct SecretTests {
    @Test func everyWayOfPrintingRedacts() throws {
        let secret = Secret("hunter2-hunter2")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect("\(secret)" == "<redacted>")
        #expect(String(describing: secret) == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!dumped.contains("hunter2"))
        #expect(try JSONValueEncoder().encode(["s": secret]) == ["s": "<redacted>"])
        #expect(secret.reveal() == "hunter2-hunter2")
    }

    @Test func resolvedValuesRedactTheirSecrets() {
        let inputs = ResolvedInputs(values: ["user": "alice", "token": "hunter2-hunter2"], secretKeys: ["token"])
        #expect(inputs.description == #"{"user":"alice","token":"<redacted>"}"#)
        let connection = ResolvedConnection(key: "k", fields: inputs)
        #expect(connection.description == #"{"key":"k","fields":{"user":"alice","token":"<redacted>"}}"#)
        #expect(connection.string("token") == nil)
    }

    @Test func scrubberFindsEncodedForms() {
        let scrubber = SecretScrubber(secrets: ["p@ss word/1", "ab"], companions: ["alice"])
        let basic = Data("alice:p@ss word/1".utf8).base64EncodedString()
        #expect(scrubber.scrub("Authorization: Basic \(basic)") == "Authorization: Basic <redacted>")
        #expect(scrubber.scrub("x=p%40ss%20word%2F1&y=ab") == "x=<redacted>&y=ab")
        #expect(scrubber.scrub("said p@ss word/1") == "said <redacted>")
        // Encoded as a form body and a query string encode it: unreserved characters kept.
        let unreserved = SecretScrubber(secrets: ["to-ken_9.x/y z~"], companions: [])
        #expect(unreserved.scrub("Body=to-ken_9.x%2Fy+z~&To=1") == "Body=<redacted>&To=1")
        #expect(unreserved.scrub("?q=to-ken_9.x%2Fy%20z~") == "?q=<redacted>")
    }
}
