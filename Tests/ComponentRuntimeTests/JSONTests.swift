import ComponentCore
import Foundation
import TestSupport
import Testing

@Suite(.timingInsensitive) struct JSONParserTests {
    @Test func keepsObjectKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z": 1, "a": 2, "m": {"y": true, "b": null}}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["m"]?.objectValue?.keys == ["y", "b"])
        #expect(JSONWriter.string(from: value) == #"{"z":1,"a":2,"m":{"y":true,"b":null}}"#)
    }

    @Test func readsNumbersAsIntegersOrDoubles() throws {
        #expect(try JSONParser.parse("42") == .integer(42))
        #expect(try JSONParser.parse("-0") == .integer(0))
        #expect(try JSONParser.parse("4.5") == .number(4.5))
        #expect(try JSONParser.parse("1e3") == .number(1000))
        #expect(try JSONParser.parse("92233720368547758070") == .number(9.223372036854775807e19))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
    }

    @Test(arguments: [
        (#"{"a": 1, "a": 2}"#, "duplicate object key \"a\" at line 1, column 10"),
        ("[1, 2,]", "unexpected character ']'; a value was expected at line 1, column 7"),
        ("{\n  \"a\": tru\n}", "invalid literal at line 2, column 8"),
        ("01", "leading zeros are not allowed in numbers at line 1, column 1"),
        (#""abc"#, "unterminated string at line 1, column 1"),
        (#""\ud800""#, "unpaired surrogate in a \\u escape at line 1, column 8"),
        ("{} x", "unexpected text after the JSON value at line 1, column 4"),
        ("", "unexpected end of input; a value was expected at line 1, column 1"),
        ("// comment\n1", "unexpected character '/'; a value was expected at line 1, column 1"),
    ])
    func rejectsMalformedText(text: String, expected: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }
}

@Suite(.timingInsensitive) struct JSONWriterTests {
    @Test func writesPrettyLikeJavaScript() {
        let value: JSONValue = ["b": 1, "a": ["x", .null, 2.5], "e": [:], "l": []]
        #expect(
            JSONWriter.string(from: value, style: .pretty) == """
                {
                  "b": 1,
                  "a": [
                    "x",
                    null,
                    2.5
                  ],
                  "e": {},
                  "l": []
                }
                """)
    }

    @Test func escapesControlCharactersOnly() {
        #expect(JSONWriter.string(from: .string("é\"\\\n\u{01}/")) == #""é\"\\\n\u0001/""#)
    }

    @Test func writesNonFiniteNumbersAsNull() {
        #expect(JSONWriter.string(from: .array([.number(.nan), .number(.infinity), .number(0.1)])) == "[null,null,0.1]")
    }
}

@Suite(.timingInsensitive) struct JSONCodingTests {
    struct Output: Encodable {
        var zeta: String
        var alpha: Int?
        var nested: Nested
        var when: Date
        struct Nested: Encodable {
            var last = true
            var first = [1, 2]
        }
    }

    @Test func encodesInCodingKeyOrderWithNullsKept() throws {
        let value = try JSONValueEncoder().encode(
            Output(zeta: "z", alpha: nil, nested: .init(), when: Date(timeIntervalSince1970: 1_747_262_545)))
        #expect(
            JSONWriter.string(from: value)
                == #"{"zeta":"z","alpha":null,"nested":{"last":true,"first":[1,2]},"when":"2025-05-14T22:42:25.000Z"}"#)
        let dropped = try JSONValueEncoder(writesNilAsNull: false).encode(
            Output(zeta: "z", alpha: nil, nested: .init(), when: Date(timeIntervalSince1970: 0)))
        #expect(dropped.objectValue?.keys == ["zeta", "nested", "when"])
    }

    struct Input: Decodable {
        var name: String
        var count: Int
        var ratio: Double
        var token: Secret
        var note: String?
    }

    @Test func decodesStrictlyAndKeepsSecretsSecret() throws {
        let value: JSONValue = ["name": "a", "count": 3, "ratio": 2, "token": "s3cret-value"]
        let input = try JSONValueDecoder(secretKeys: ["token"]).decode(Input.self, from: value)
        #expect(input.count == 3 && input.ratio == 2 && input.note == nil)
        #expect(input.token.reveal() == "s3cret-value")

        struct Leaky: Decodable { var token: String }
        #expect(throws: DecodingError.self) { try JSONValueDecoder(secretKeys: ["token"]).decode(Leaky.self, from: value) }
        struct WrongType: Decodable { var name: Int }
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(WrongType.self, from: value) }
    }

    @Test func roundTripsThroughFoundationCoders() throws {
        let value: JSONValue = ["b": [1, 2.5, "x", true, .null], "a": [:]]
        let data = try JSONEncoder().encode(value)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded["b"] == value["b"])
    }
}

@Suite(.timingInsensitive) struct ISO8601TimestampTests {
    @Test func writesUTCWithMilliseconds() {
        #expect(ISO8601Timestamp.string(from: Date(timeIntervalSince1970: 1_747_262_545.5)) == "2025-05-14T22:42:25.500Z")
        #expect(ISO8601Timestamp.string(from: Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }

    @Test(arguments: [
        ("2025-05-14T22:42:25Z", 1_747_262_545.0),
        ("2025-05-14T22:42:25.250Z", 1_747_262_545.25),
        ("2025-05-15T00:42:25+02:00", 1_747_262_545.0),
        ("2025-05-14T17:42:25-0500", 1_747_262_545.0),
        ("2025-05-14 22:42Z", 1_747_262_520.0),
        ("2024-02-29", 1_709_164_800.0),
    ])
    func readsAcceptedForms(text: String, seconds: Double) {
        #expect(ISO8601Timestamp.date(from: text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["2025-05-14T22:42:25", "2023-02-29", "2025-13-01", "2025-05-14T25:00Z", "1747262545", "May 14, 2025", ""])
    func rejectsOtherForms(text: String) {
        #expect(ISO8601Timestamp.date(from: text) == nil)
    }
}
