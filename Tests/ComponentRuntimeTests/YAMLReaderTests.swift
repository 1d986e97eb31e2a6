import ComponentCore
import ComponentManifest
import TestSupport
import Testing

@testable import ComponentYAML

@Suite(.timingInsensitive) struct YAMLReaderTests {
    func read(_ text: String) throws -> YAMLNode {
        try #require(try YAMLReader.read(text, file: "test.yaml"))
    }

    func failure(_ text: String) -> String? {
        do {
            _ = try YAMLReader.read(text, file: "test.yaml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func marksAreOneBased() throws {
        let root = try read(
            """
            key: twilio
            actions:
              - key: sendSMS
                label: "Send SMS"
            """)
        let pairs = try #require(root.pairs)
        #expect(root.mark == YAMLMark(line: 1, column: 1))
        #expect(pairs[1].key.mark == YAMLMark(line: 2, column: 1))
        let action = try #require(pairs[1].value.elements?.first)
        #expect(action.mark == YAMLMark(line: 3, column: 5))
        let label = try #require(action.pairs?[1].value)
        #expect(label.mark == YAMLMark(line: 4, column: 12))
        #expect(label.scalar == YAMLScalar(value: "Send SMS", style: .doubleQuoted))
    }

    @Test func resolvesAnchorsAliasesAndMergeKeys() throws {
        let root = try read(
            """
            base: &base
              type: string
              required: true
            input:
              <<: *base
              key: to
              required: false
            list: [*base, *base]
            """)
        let input = try #require(root.pairs?[1].value.pairs)
        #expect(input.map { $0.key.scalar?.value } == ["key", "required", "type"])
        #expect(input[1].value.scalar?.value == "false")
        #expect(input[2].value.mark == YAMLMark(line: 2, column: 9))
        #expect(root.pairs?[2].value.elements?.count == 2)
    }

    @Test func duplicateKeysAreAnError() {
        #expect(
            failure(
                """
                key: a
                label: b
                key: c
                """) == "test.yaml:3:1: error: The key 'key' appears twice in this mapping (first at line 1, column 1); remove one of them."
        )
    }

    @Test func undefinedAliasIsAnError() {
        #expect(
            failure("a: *nowhere\n") == "test.yaml:1:4: error: The alias '*nowhere' refers to no anchor; define '&nowhere' before using it."
        )
    }

    @Test func syntaxErrorsCarryPositionAndLibyamlText() {
        #expect(
            failure(
                """
                key: a
                  label: b
                """)
                == "test.yaml:2:8: error: YAML syntax error: mapping values are not allowed in this context. Quote values that contain ': ', or fix the indentation of this line."
        )
        #expect(
            failure(
                """
                key: "unclosed
                label: b
                """)
                == "test.yaml:2:9: error: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar started at line 1, column 6). A quoted value is probably missing its closing quote."
        )
        #expect(
            failure("key: a\n\tlabel: b\n")
                == "test.yaml:2:1: error: YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar started at line 1, column 6). YAML does not allow tabs for indentation; indent with spaces."
        )
        #expect(
            failure(
                """
                actions:
                  - key: a
                 - key: b
                """)
                == "test.yaml:3:2: error: YAML syntax error: did not find expected key (while parsing a block mapping started at line 1, column 1). Check the indentation of this line against the lines above it."
        )
    }

    @Test func oneDocumentOnly() {
        #expect(
            failure("a: 1\n---\nb: 2\n")
                == "test.yaml:3:1: error: The file holds more than one YAML document; a manifest is exactly one document, so remove the extra '---' section."
        )
        #expect((try? YAMLReader.read("# only a comment\n", file: "x")) ?? nil == nil)
    }

    @Test func boundsAliasExpansion() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(failure(text)?.contains("Aliases expand this document to more than 1000000 nodes") == true)
    }

    @Test func convertsToJSONWithTheCoreSchema() throws {
        let root = try read(
            """
            s: "1"
            n: 1
            f: 1.5
            b: true
            y: yes
            z: ~
            e:
            t: !!str 12
            l: [a, 2]
            """)
        #expect(
            try root.jsonValue(file: "test.yaml") == [
                "s": "1", "n": 1, "f": 1.5, "b": true, "y": "yes", "z": nil, "e": nil, "t": "12", "l": ["a", 2],
            ])
        #expect(throws: YAMLError.self) { try read("x: .nan").jsonValue(file: "test.yaml") }
    }
}
