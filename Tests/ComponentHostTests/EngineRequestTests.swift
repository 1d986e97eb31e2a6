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

    @Test func readsTheDeadlineAndTheServerDateFlag() throws {
        let request = try parse(#"{"action": "echo", "context": {"deadline": 1796554764123, "serverDate": true}}"#).get()
        // Read through its description: this target does not link ComponentHTTP, which defines it.
        #expect(request.deadline.map { "\($0)" } == "2026-12-06T10:59:24.123Z")
        #expect(request.reportsServerDate)
        let plain = try parse(#"{"action": "echo", "context": {"deadline": null, "serverDate": false}}"#).get()
        #expect(plain.deadline == nil && !plain.reportsServerDate)
        #expect(try parse(#"{"action": "echo"}"#).get().deadline == nil)
        // Zero is a time, long past: the request will answer deadline_exceeded, not be refused here.
        #expect(try parse(#"{"check": true, "context": {"deadline": 0}}"#).get().deadline.map { "\($0)" } == "1970-01-01T00:00:00.000Z")
    }

    @Test func refusesADeadlineThatIsNotAWholeNonNegativeNumberOfMilliseconds() {
        let cases: [(String, String)] = [
            (#""1796554764123""#, "must be a whole number of Unix epoch milliseconds (such as 1796554764123), not a string."),
            ("1796554764.5", "written without a fraction or an exponent"),
            ("1.796554764123e12", "written without a fraction or an exponent"),
            ("-1", "must not be negative"),
            ("true", "not a boolean."),
            ("{}", "not an object."),
        ]
        for (value, message) in cases {
            let error = failure(#"{"id": 4, "action": "echo", "context": {"deadline": \#(value)}}"#)
            #expect(error?.id == 4, "\(value)")
            #expect(error?.error.kind == .protocol && error?.error.code == "invalid_request", "\(value)")
            #expect(error?.error.message.hasPrefix("The request's 'context.deadline' must") == true, "\(value)")
            #expect(error?.error.message.contains(message) == true, "\(value): \(error?.error.message ?? "accepted")")
        }
        let flag = failure(#"{"action": "echo", "context": {"serverDate": "yes"}}"#)
        #expect(flag?.error.message == "The request's 'context.serverDate' must be true or false, not a string.")
        let misspelt = failure(#"{"action": "echo", "context": {"deadLine": 1}}"#)
        #expect(misspelt?.error.message.contains("Did you mean 'deadline'?") == true)
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
