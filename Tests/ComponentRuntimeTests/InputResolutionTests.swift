import ComponentCore
import ComponentManifest
import ComponentRuntime
import TestSupport
import Testing

/// The coercion rules, each with what it accepts and the exact error for what it rejects.
@Suite(.timingInsensitive) struct InputResolutionTests {
    func input(_ type: InputType, _ configure: (inout InputDefinition) -> Void = { _ in }) -> InputDefinition {
        var input = InputDefinition(key: "value", label: "Value", type: type)
        configure(&input)
        return input
    }

    func value(_ raw: JSONValue, _ input: InputDefinition) -> JSONValue? {
        if case .success(let resolved) = InputResolver(inputs: [input], owner: "action 'test'").resolve(["value": raw]) {
            return resolved["value"]
        }
        return nil
    }

    func error(_ raw: JSONValue, _ input: InputDefinition) -> String? {
        if case .failure(let errors) = InputResolver(inputs: [input], owner: "action 'test'").resolve(["value": raw]) {
            return errors.description
        }
        return nil
    }

    @Test(
        arguments: [
            ("true", true), ("TRUE", true), (" yes ", true), ("On", true), ("1", true),
            ("false", false), ("No", false), ("off", false), ("0", false), ("\tFALSE\n", false),
        ] as [(String, Bool)])
    func booleansAcceptOnlyTheirWords(text: String, expected: Bool) {
        #expect(value(.string(text), input(.boolean)) == .bool(expected))
    }

    @Test func booleansRejectEverythingElse() {
        #expect(value(.bool(true), input(.boolean)) == .bool(true))
        #expect(value(.integer(0), input(.boolean)) == .bool(false))
        for text in ["t", "y", "abc", "2", "truee"] {
            #expect(
                error(.string(text), input(.boolean))
                    == "Input 'value' (Value) expects true or false (also yes/no, on/off, 1/0), but got '\(text)'.")
        }
        #expect(
            error(.integer(2), input(.boolean))
                == "Input 'value' (Value) expects true or false (also yes/no, on/off, 1/0), but got a number '2'.")
    }

    @Test func integersAreExact() {
        #expect(value("42", input(.integer)) == .integer(42))
        #expect(value("  -7 ", input(.integer)) == .integer(-7))
        #expect(value("+3", input(.integer)) == .integer(3))
        #expect(value(.number(5.0), input(.integer)) == .integer(5))
        #expect(value(.integer(9), input(.integer)) == .integer(9))
        for text in ["42abc", "20.3", "0x1A", "1e3", "abc", "4 2"] {
            #expect(error(.string(text), input(.integer)) == "Input 'value' (Value) expects a whole number, but got '\(text)'.")
        }
        #expect(error(.number(2.5), input(.integer)) == "Input 'value' (Value) expects a whole number, but got a number '2.5'.")
        #expect(
            error("99999999999999999999", input(.integer))
                == "Input 'value' (Value) expects a whole number between -9223372036854775808 and 9223372036854775807, but got '99999999999999999999', which is out of range."
        )
        #expect(error(.bool(true), input(.integer)) == "Input 'value' (Value) expects a whole number, but got a boolean 'true'.")
    }

    @Test func numbersAreDecimal() {
        #expect(value("3.22", input(.number)) == .number(3.22))
        #expect(value(" 1e3 ", input(.number)) == .number(1000))
        #expect(value("-.5", input(.number)) == .number(-0.5))
        #expect(value("12", input(.number)) == .integer(12))
        for text in ["0x10", "NaN", "Infinity", "1_000", "1e", "."] {
            #expect(error(.string(text), input(.number)) == "Input 'value' (Value) expects a number, but got '\(text)'.")
        }
    }

    @Test func textTakesScalarsAndRefusesStructures() {
        #expect(value(.integer(5_551_234_567), input(.string)) == .string("5551234567"))
        #expect(value(.bool(false), input(.text)) == .string("false"))
        #expect(error(["a": 1], input(.string)) == "Input 'value' (Value) expects text, but got an object '{\"a\":1}'.")
    }

    @Test func datesAndTimestamps() {
        #expect(value("2025-05-14", input(.date)) == "2025-05-14")
        #expect(
            error("2025-02-30", input(.date))
                == "Input 'value' (Value) expects a date written YYYY-MM-DD (such as 2025-05-14), but got '2025-02-30'.")
        #expect(value("2025-05-15T00:42:25+02:00", input(.timestamp)) == "2025-05-14T22:42:25.000Z")
        #expect(value("2025-05-14", input(.timestamp)) == "2025-05-14T00:00:00.000Z")
        #expect(
            error("2025-05-14T22:42:25", input(.timestamp))
                == "Input 'value' (Value) expects an ISO 8601 timestamp with a zone (such as 2025-05-14T22:42:25Z), but got '2025-05-14T22:42:25'."
        )
        #expect(error("1616198400", input(.timestamp)) != nil)
    }

    @Test func dataTakesAnyJSON() {
        #expect(value(["z": [1, nil]], input(.data)) == ["z": [1, nil]])
        #expect(value("{\"not\": \"parsed\"}", input(.data)) == "{\"not\": \"parsed\"}")
    }

    @Test func choicesAreEnforced() {
        let method = input(.string) { $0.choices = ["GET", "POST", "DELETE"].map { InputChoice(value: $0, label: $0) } }
        #expect(value("POST", method) == "POST")
        #expect(value("post", method) == "POST")
        #expect(
            error("PSOT", method) == "Input 'value' (Value) must be one of 'GET', 'POST', 'DELETE', but got 'PSOT'. Did you mean 'POST'?")
        let numbers = input(.integer) { $0.choices = [InputChoice(value: "1", label: "one"), InputChoice(value: "2", label: "two")] }
        #expect(value("2", numbers) == .integer(2))
        #expect(error("3", numbers) == "Input 'value' (Value) must be one of '1', '2', but got '3'.")
    }

    @Test func constraintsAreEnforced() {
        let sid = input(.string) { $0.pattern = "^AC[0-9a-f]{32}$" }
        #expect(value(.string("AC" + String(repeating: "a", count: 32)), sid) != nil)
        #expect(error("AC123", sid) == "Input 'value' (Value) must match the pattern ^AC[0-9a-f]{32}$, but 'AC123' does not.")
        let short = input(.string) {
            $0.minLength = 2
            $0.maxLength = 3
        }
        #expect(error("a", short) == "Input 'value' (Value) must be at least 2 characters long, but is 1.")
        #expect(error("abcd", short) == "Input 'value' (Value) must be at most 3 characters long, but is 4.")
        let bounded = input(.integer) {
            $0.minimum = 0
            $0.maximum = 10
        }
        #expect(error("11", bounded) == "Input 'value' (Value) must be at most 10, but got 11.")
        #expect(error("-1", bounded) == "Input 'value' (Value) must be at least 0, but got -1.")
    }

    @Test func valueListsTakeArraysJSONOrLines() {
        let list = input(.integer) { $0.collection = .valuelist }
        #expect(value(["1", 2], list) == [1, 2])
        #expect(value("[3, 4]", list) == [3, 4])
        #expect(value("5\n\n6\r\n", list) == [5, 6])
        #expect(value("7", list) == [7])
        #expect(error(["1", "x"], list) == "Input 'value' (Value) item 2 expects a whole number, but got 'x'.")
    }

    @Test func keyValueListsKeepOrderAndRepeats() {
        let headers = input(.string) { $0.collection = .keyvaluelist }
        let expected: JSONValue = [["key": "B", "value": "1"], ["key": "A", "value": "x=y"], ["key": "B", "value": "2"]]
        #expect(value("B=1\nA=x=y\nB: 2", headers) == expected)
        #expect(value([["key": "B", "value": "1"], "A=x=y", ["key": "B", "value": 2]], headers) == expected)
        #expect(value(#"[{"key": "B", "value": "1"}, {"key": "A", "value": "x=y"}, {"key": "B", "value": "2"}]"#, headers) == expected)
        #expect(value(["Z": "1", "A": "2"], headers) == [["key": "Z", "value": "1"], ["key": "A", "value": "2"]])
        #expect(value("User-Agent: curl/7.64.1", headers) == [["key": "User-Agent", "value": "curl/7.64.1"]])
        #expect(
            error("novalue", headers)
                == "Input 'value' (Value) expects key=value lines (or a JSON object), but line 1 has neither '=' nor ':'.")
        #expect(
            error([["key": "a", "val": "b"]], headers)
                == "Input 'value' (Value) item 1 has an unknown field 'val'; write {\"key\": ..., \"value\": ...}.")
    }

    @Test func defaultsRequiredAndEmptyValues() {
        let inputs = [
            InputDefinition(key: "to", label: "To", type: .string, required: true),
            InputDefinition(key: "count", label: "Count", type: .integer, default: "3"),
            InputDefinition(key: "note", label: "Note", type: .string),
            InputDefinition(key: "flag", label: "Flag", type: .boolean, default: "yes"),
        ]
        let resolver = InputResolver(inputs: inputs, owner: "action 'send'")
        guard case .success(let resolved) = resolver.resolve(["to": "+1", "count": "", "flag": "   "]) else {
            Issue.record("expected success")
            return
        }
        #expect(resolved.values == ["to": "+1", "count": 3, "flag": true])
        guard case .failure(let errors) = resolver.resolve(["to": "", "extra": "1", "coutn": "2"]) else {
            Issue.record("expected failure")
            return
        }
        #expect(
            errors.problems.map(\.message) == [
                "Unknown input 'extra' for action 'send'. Known: to, count, note, flag.",
                "Unknown input 'coutn' for action 'send'. Did you mean 'count'? Known: to, count, note, flag.",
                "Input 'to' (To) is required but was empty; give it a value.",
            ])
        guard case .failure(let missing) = resolver.resolve([:]) else {
            Issue.record("expected failure")
            return
        }
        #expect(missing.description == "Input 'to' (To) is required; give it a value.")
    }

    @Test func secretValuesAreNeverRepeatedInErrors() {
        let pin = input(.password) { $0.pattern = "^[0-9]{4}$" }
        #expect(
            error("hunter2-secret", pin)
                == "Input 'value' (Value) must match the pattern ^[0-9]{4}$, but a value that is not one (secret values are not repeated) does not."
        )
        let picked = input(.password) { $0.choices = [InputChoice(value: "a", label: "a")] }
        #expect(error("hunter2-secret", picked)?.contains("hunter2") == false)
    }
}
