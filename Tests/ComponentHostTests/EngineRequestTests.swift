import ComponentCore
import ComponentHost
import ComponentRuntime
import TestSupport
import Testing

/// Reading the process protocol's requests: what is accepted, and what each refusal says.
@Suite(.timingInsensitive) struct EngineRequestTests {
    func parse(_ text: String, expected: EngineElementKind? = nil) -> Result<EngineRequest, EngineRequestError> {
        Result { () throws(EngineRequestError) in try EngineRequest.parse(Array(text.utf8), expected: expected) }
    }

    func failure(_ text: String, expected: EngineElementKind? = nil) -> EngineRequestError? {
        if case .failure(let error) = parse(text, expected: expected) { return error }
        return nil
    }

    @Test func readsEveryField() throws {
        let request = try parse(
            #"""
            {"id": "r1", "action": "echo", "inputs": {"message": "hi", "count": 2},
             "connection": {"key": "token", "fields": {"user": "alice"}},
             "context": {"invocationId": "inv-1", "debug": true}}
            """#
        ).get()
        #expect(request.id == "r1")
        #expect(request.kind == .action)
        #expect(request.element == "echo")
        #expect(request.inputs["count"] == 2)
        #expect(request.connection?.key == "token")
        #expect(request.connection?.fields["user"] == "alice")
        #expect(request.invocationID == "inv-1")
        #expect(request.debug)

        let trigger = try parse(#"{"id": 3, "trigger": "poll", "state": {"since": "x"}, "payload": {"headers": {}}}"#).get()
        #expect(trigger.kind == .trigger && trigger.state?["since"] == "x" && trigger.payload != nil)
        #expect(try parse(#"{"trigger": "poll", "state": null}"#, expected: .trigger).get().state == nil)
        #expect(try parse("{}", expected: .check).get().kind == .check)
        #expect(try parse(#"{"id": 9, "check": true, "connection": {"key": "token"}}"#).get().kind == .check)
    }

    @Test func refusesWithAMessageThatNeverQuotesTheRequest() {
        let cases: [(String, EngineElementKind?, String)] = [
            ("", nil, "The request is empty."),
            (#"{"action": "echo", "inputs": {"token": "s3cr3t-value"#, nil, "The request is not valid JSON"),
            ("[1]", nil, "must be a JSON object, not a list"),
            (#"{"id": [1], "action": "echo"}"#, nil, "'id' must be a string or a number"),
            (#"{"acton": "echo"}"#, nil, "Did you mean 'action'?"),
            (#"{"action": "echo", "trigger": "poll"}"#, nil, "name one thing to run"),
            (#"{"inputs": {}}"#, nil, "names nothing to run"),
            (#"{"trigger": "poll"}"#, .action, "which `trigger` runs, not `invoke`"),
            (#"{"action": ""}"#, nil, "non-empty key"),
            (#"{"action": "echo", "inputs": "a=b"}"#, nil, "'inputs' must be an object"),
            (#"{"action": "echo", "connection": "token"}"#, nil, "'connection' must be {"),
            (#"{"action": "echo", "connection": {"fields": {}}}"#, nil, "needs a 'key'"),
            (#"{"action": "echo", "connection": {"key": "token", "feilds": {}}}"#, nil, "Unknown field 'feilds'"),
            (#"{"action": "echo", "context": {"debug": "yes"}}"#, nil, "'context.debug' must be true or false"),
            (#"{"action": "echo", "context": {"invocationID": "x"}}"#, nil, "Did you mean 'invocationId'?"),
            (#"{"action": "echo", "state": {}}"#, nil, "'payload' and 'state' are for triggers"),
            (#"{"check": false}"#, nil, "'check' must be true"),
        ]
        for (text, expected, message) in cases {
            let error = failure(text, expected: expected)
            #expect(error?.error.kind == .protocol, "\(text)")
            #expect(error?.error.message.contains(message) == true, "\(text): \(error?.error.message ?? "accepted")")
            #expect(error?.error.message.contains("s3cr3t") == false)
        }
        #expect(failure(#"{"id": "keep", "acton": "echo"}"#)?.id == "keep", "a readable id is echoed")
        #expect(failure(#"{"id": {"a": 1}}"#)?.id == .null, "an id that is not one is not")
    }
}
