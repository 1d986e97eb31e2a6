import ComponentKit
import ComponentTesting
import Foundation
import SendGridComponent
import Synchronization

/// The component as its executable hosts it, run in-process.
let harness = ComponentHarness(component: SendGridComponent.hosted())

/// A key that looks like SendGrid's; no output may ever hold it.
let apiKey = "SG.test-key-4f1c.Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OQ"
let connection = RawConnection(key: "apiKey", fields: ["apiKey": .string(apiKey)])

/// A SendGrid error body.
func errors(_ entries: [(message: String, field: String?)]) -> String {
    JSONWriter.string(
        from: [
            "errors": .array(
                entries.map { ["message": .string($0.message), "field": $0.field.map(JSONValue.string) ?? .null, "help": .null] })
        ])
}

/// Answers in turn, repeating the last one.
final class Script: Sendable {
    private let actions: Mutex<[TestHTTPServer.Action]>

    init(_ actions: [TestHTTPServer.Action]) {
        precondition(!actions.isEmpty)
        self.actions = Mutex(actions)
    }

    func next(_ request: TestHTTPServer.Request) -> TestHTTPServer.Action {
        actions.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
    }
}

/// SendGrid's answer to an accepted email.
let accepted = TestHTTPServer.Action.respond(status: 202, headers: [("X-Message-Id", "W86EgYT6SQKk0lRflfLRsA")])

extension JSONValue {
    /// The error envelope's `error` object.
    var error: JSONValue? { self["error"] }
}
