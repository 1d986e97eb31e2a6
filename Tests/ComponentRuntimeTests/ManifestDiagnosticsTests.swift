import ComponentCore
import ComponentManifest
import ComponentRuntime
import Foundation
import TestSupport
import Testing

/// Each manifest defect yields its diagnostic, with exact text, at the right line and column.
@Suite(.timingInsensitive) struct ManifestDiagnosticsTests {
    /// A valid manifest; each test breaks one thing in it.
    static let valid = """
        key: demo
        display:
          label: Demo
          description: A demo component.
        connections:
          - key: token
            label: Token
            description: A secret token.
            inputs:
              - key: token
                label: Token
                type: password
                required: true
        actions:
          - key: greet
            label: Greet
            description: Says hello.
            inputs:
              - key: name
                label: Name
                type: string
              - key: connection
                label: Connection
                type: connection
            examplePayload:
              data: hello
        """

    func diagnostics(_ text: String) -> [String] {
        do {
            let loaded = try ManifestLoader.load(text: text, file: "component.yaml")
            return loaded.warnings.map(\.description)
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    func replacing(_ old: String, with new: String) -> String {
        precondition(Self.valid.contains(old), "the base manifest has no \(old)")
        return Self.valid.replacingOccurrences(of: old, with: new)
    }

    @Test func theBaseManifestIsClean() {
        #expect(diagnostics(Self.valid) == [])
    }

    @Test func missingRequiredField() {
        #expect(
            diagnostics(replacing("        type: string\n", with: "")) == [
                "component.yaml:19:9: error: Input 'name' of action 'greet' is missing the required field 'type'; add 'type:' (such as 'type: string')."
            ])
        #expect(
            diagnostics(replacing("  label: Demo\n", with: "")) == [
                "component.yaml:3:3: error: The component's 'display' is missing the required field 'label'; add 'label:' (the name people see)."
            ])
        #expect(
            diagnostics(replacing("  label: Demo\n", with: "  label: \"\"\n")) == [
                "component.yaml:3:10: error: The field 'label' of the component's 'display' is empty; give it a value (the name people see)."
            ])
    }

    @Test func unknownFieldWithSuggestion() {
        #expect(
            diagnostics(replacing("    label: Greet", with: "    lable: Greet")) == [
                "component.yaml:15:5: error: Action 'greet' is missing the required field 'label'; add 'label:' (the name people see).",
                "component.yaml:16:5: error: Unknown field 'lable' in this action. Did you mean 'label'? The fields allowed here are: key, label, description, inputs, examplePayload, hints, reconcile, summary.",
            ])
    }

    @Test func unknownInputType() {
        #expect(
            diagnostics(replacing("type: string", with: "type: strin")) == [
                "component.yaml:21:15: error: Input 'name' of action 'greet' has unknown type 'strin'. Did you mean 'string'? Use one of: string, text, password, code, boolean, integer, number, data, date, timestamp, connection."
            ])
    }

    @Test func duplicateActionKeys() {
        let text =
            Self.valid + """

                  - key: greet
                    label: Greet again
                    description: Says hello twice.
                    examplePayload:
                      data: hello
                """
        #expect(
            diagnostics(text) == [
                "component.yaml:27:10: error: The action key 'greet' is used twice among the actions (first at line 15, column 10); give each action its own key."
            ])
    }

    @Test func duplicateTriggerKeys() {
        let text =
            Self.valid + """

                triggers:
                  - key: hook
                    label: Hook
                    description: Receives calls.
                    examplePayload: {payload: {}}
                  - key: hook
                    label: Hook two
                    description: Receives more calls.
                    examplePayload: {payload: {}}
                """
        #expect(
            diagnostics(text) == [
                "component.yaml:32:10: error: The trigger key 'hook' is used twice among the triggers (first at line 28, column 10); give each trigger its own key."
            ])
    }

    @Test func duplicateConnectionKeys() {
        let text = replacing(
            "actions:",
            with: """
                  - key: token
                    label: Token again
                    description: Another token.
                    inputs:
                      - key: token
                        label: Token
                        type: password
                actions:
                """)
        #expect(
            diagnostics(text) == [
                "component.yaml:14:10: error: The connection key 'token' is used twice among the connections (first at line 6, column 10); give each connection its own key."
            ])
    }

    @Test func duplicateInputKeys() {
        #expect(
            diagnostics(replacing("- key: connection", with: "- key: name")) == [
                "component.yaml:22:14: error: The input key 'name' is used twice among the inputs of action 'greet' (first at line 19, column 14); give each input its own key."
            ])
    }

    @Test func defaultThatDoesNotFitTheType() {
        #expect(
            diagnostics(replacing("type: string", with: "type: integer\n        default: ten")) == [
                "component.yaml:22:18: error: The default of input 'name' of action 'greet' does not fit: the input expects a whole number, but got 'ten'. Change the default or the input's type."
            ])
    }

    @Test func defaultOutsideTheChoices() {
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        choices: [red, green]\n        default: blue")) == [
                "component.yaml:23:18: error: The default of input 'name' of action 'greet' does not fit: the input must be one of 'red', 'green', but got 'blue'. Change the default or the input's type."
            ])
    }

    @Test func defaultThatDoesNotMatchThePattern() {
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        pattern: \"^AC[0-9a-f]{32}$\"\n        default: ACX")) == [
                "component.yaml:23:18: error: The default of input 'name' of action 'greet' does not fit: the input must match the pattern ^AC[0-9a-f]{32}$, but 'ACX' does not. Change the default or the input's type."
            ])
    }

    @Test func exampleThatDoesNotFit() {
        #expect(
            diagnostics(replacing("type: string", with: "type: boolean\n        example: maybe")) == [
                "component.yaml:22:18: error: The example of input 'name' of action 'greet' does not fit: the input expects true or false (also yes/no, on/off, 1/0), but got 'maybe'. Change the example so people can copy it."
            ])
    }

    @Test func invalidRegularExpression() {
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        pattern: \"[a-\"")) == [
                "component.yaml:22:18: error: The pattern of input 'name' of action 'greet' is not usable: it is not a valid regular expression; fix the regular expression."
            ])
    }

    @Test func moreThanOneConnectionInput() {
        let text = replacing(
            "    examplePayload:",
            with: """
                      - key: other
                        label: Other connection
                        type: connection
                    examplePayload:
                """)
        #expect(
            diagnostics(text) == [
                "component.yaml:27:15: error: The action 'greet' has more than one input of type 'connection' ('connection' and 'other'); an element uses one connection, so remove the extra input."
            ])
    }

    @Test func duplicateChoices() {
        #expect(
            diagnostics(
                replacing(
                    "type: string",
                    with: "type: string\n        choices:\n          - red\n          - value: red\n            label: Also red")) == [
                    "component.yaml:24:13: error: Input 'name' of action 'greet' lists the choice 'red' twice (items 1 and 2); remove the duplicate."
                ])
    }

    @Test func examplePayloadOutsideItsEnvelope() {
        #expect(
            diagnostics(replacing("      data: hello", with: "      body: hello")) == [
                "component.yaml:26:7: error: The example payload of action 'greet' must be the envelope it returns, {data: ...}; put the example under 'data:'."
            ])
        #expect(
            diagnostics(replacing("      data: hello", with: "      data: hello\n      extra: 1")) == [
                "component.yaml:26:7: error: The example payload of action 'greet' has the unexpected key 'extra'; its envelope holds only 'data'."
            ])
    }

    @Test func triggerExamplePayloadOutsideItsEnvelope() {
        let text =
            Self.valid + """

                triggers:
                  - key: hook
                    label: Hook
                    description: Receives calls.
                    examplePayload: {data: {}}
                """
        #expect(
            diagnostics(text) == [
                "component.yaml:31:21: error: The example payload of trigger 'hook' must be the envelope it returns, {payload: ...}; put the example under 'payload:'."
            ])
    }

    @Test func listWrittenAsAMapping() {
        #expect(
            diagnostics(replacing("  - key: greet\n    label: Greet", with: "  greet:\n    label: Greet")) == [
                "component.yaml:1:1: warning: The component declares no actions, triggers or data sources, so engines have nothing to run; add an 'actions:' list.",
                "component.yaml:15:3: error: The actions must be a list (each item starting with '- '), not a mapping.",
            ])
    }

    @Test func invalidKey() {
        #expect(
            diagnostics(replacing("- key: greet", with: "- key: say hello")) == [
                "component.yaml:15:10: error: The action key 'say hello' is not valid; start it with a letter and use only letters, digits, '_' and '-'."
            ])
    }

    @Test func contradictoryConstraints() {
        #expect(
            diagnostics(replacing("type: string", with: "type: integer\n        minimum: 10\n        maximum: 1")) == [
                "component.yaml:22:18: error: Input 'name' of action 'greet' has minimum 10 greater than maximum 1, so no value can fit; swap or fix them."
            ])
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        minLength: 5\n        maxLength: 2")) == [
                "component.yaml:22:20: error: Input 'name' of action 'greet' has minLength 5 greater than maxLength 2, so no value can fit; swap or fix them."
            ])
    }

    @Test func constraintOnTheWrongType() {
        #expect(
            diagnostics(replacing("type: string", with: "type: integer\n        pattern: \"^1\"")) == [
                "component.yaml:22:18: error: Input 'name' of action 'greet' has 'pattern', which applies only to text inputs (string, text, password, code), not to 'integer'; remove it."
            ])
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        language: json")) == [
                "component.yaml:22:19: error: Input 'name' of action 'greet' has a 'language' but is of type 'string'; only 'code' inputs take a language, so remove it or change the type to 'code'."
            ])
    }

    @Test func unknownDataSourceReference() {
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        dataSource: pickName")) == [
                "component.yaml:22:21: error: Input 'name' of action 'greet' refers to data source 'pickName', which the manifest does not declare. Declare it under 'dataSources:' or remove the reference."
            ])
    }

    /// `greet` with a reconcile rule (its fields, one per line) listing through `find`.
    func reconciling(_ rule: [String], findHints: String = "{readOnly: true}") -> String {
        let lines =
            ["    reconcile:"] + rule.map { "      " + $0 } + [
                "    examplePayload:", "      data: hello",
                "  - key: find", "    label: Find", "    description: Finds greetings.", "    hints: \(findHints)",
                "    inputs:", "      - key: who", "        label: Who", "        type: string",
                "    examplePayload:", "      data: {greetings: []}",
            ]
        return replacing("    examplePayload:\n      data: hello", with: lines.joined(separator: "\n"))
    }

    static let rule = ["action: find", "inputs: {who: name}", "items: greetings", "match: {name: name}", "createdAt: createdAt", "id: id"]

    @Test func aReconcileRuleIsExportedAsWritten() throws {
        let text = reconciling(Self.rule)
        #expect(diagnostics(text) == [])
        let manifest = try ManifestLoader.load(text: text, file: "component.yaml").manifest
        let exported = ManifestExport.json(manifest)
        let greet = exported["actions"]?.arrayValue?.first { $0["key"] == "greet" }
        #expect(
            greet?["reconcile"] == [
                "action": "find", "inputs": ["who": "name"], "items": "greetings", "match": ["name": "name"],
                "createdAt": "createdAt", "id": "id", "page": .null, "preview": .null, "callback": .null,
            ])
        #expect(exported["actions"]?.arrayValue?.first { $0["key"] == "find" }?["reconcile"] == .null)
    }

    @Test func aReconcileRuleMustListWithAReadOnlyActionFromKnownInputs() {
        func rule(_ index: Int, _ text: String) -> [String] {
            var rule = Self.rule
            rule[index] = text
            return rule
        }
        #expect(
            diagnostics(reconciling(rule(0, "action: fnd"))) == [
                "component.yaml:26:15: error: The 'reconcile' of action 'greet' names action 'fnd', which the manifest does not declare. Did you mean 'find'? Name a read-only action that lists what 'greet' creates."
            ])
        #expect(
            diagnostics(reconciling(Self.rule, findHints: "{readOnly: false}")) == [
                "component.yaml:26:15: error: The 'reconcile' of action 'greet' names action 'find', which is not read-only; reconciling must not change anything. Name an action with 'hints: {readOnly: true}'."
            ])
        #expect(
            diagnostics(reconciling(rule(1, "inputs: {whom: nam}"))) == [
                "component.yaml:27:15: error: The 'reconcile' of action 'greet' gives 'find' the input 'whom', which it does not have. Did you mean 'who'?",
                "component.yaml:27:15: error: The 'reconcile' of action 'greet' takes 'whom' from the input 'nam', which 'greet' does not have. Did you mean 'name'?",
            ])
        #expect(
            diagnostics(reconciling(rule(3, "match: {name: age}"))) == [
                "component.yaml:29:14: error: The 'reconcile' of action 'greet' matches on the input 'age', which 'greet' does not have."
            ])
        #expect(
            diagnostics(reconciling(["action: find", "match: {}"])) == [
                "component.yaml:26:7: error: The 'reconcile' of action 'greet' is missing the required field 'items'; add 'items:' (the field of its data holding the list).",
                "component.yaml:26:7: error: The 'reconcile' of action 'greet' is missing the required field 'createdAt'; add 'createdAt:' (a candidate's creation time field).",
                "component.yaml:26:7: error: The 'reconcile' of action 'greet' is missing the required field 'id'; add 'id:' (a candidate's identifying field).",
                "component.yaml:26:7: error: The field 'match' of the 'reconcile' of action 'greet' must name at least one candidate field and the input it must equal, such as 'match: {to: to}'.",
            ])
    }

    /// `greet` returning `{sid, status, body}`, its `summary` written as `list`.
    func summarizing(_ list: String, data: String = "{sid: SM1, status: sent, body: hello}") -> String {
        replacing(
            "    examplePayload:\n      data: hello", with: "    summary: \(list)\n    examplePayload:\n      data: \(data)")
    }

    @Test func aSummaryIsCheckedAgainstTheExampleAndExported() throws {
        let text = summarizing("[sid, status]")
        #expect(diagnostics(text) == [])
        let manifest = try ManifestLoader.load(text: text, file: "component.yaml").manifest
        #expect(manifest.action("greet")?.summary == ["sid", "status"])
        let exported = ManifestExport.json(manifest)
        #expect(exported["actions"]?.arrayValue?.first { $0["key"] == "greet" }?["summary"] == ["sid", "status"])
        let plain = ManifestExport.json(try ManifestLoader.load(text: Self.valid, file: "component.yaml").manifest)
        #expect(plain["actions"]?.arrayValue?.first?["summary"] == .null)
    }

    @Test func aSummaryListsKeysOfTheExampleResult() {
        #expect(
            diagnostics(summarizing("[sid, staus]")) == [
                "component.yaml:25:20: error: The 'summary' of action 'greet' lists 'staus', which is not a top-level key of its example result. Did you mean 'status'? List keys its 'examplePayload.data' has."
            ])
        #expect(
            diagnostics(summarizing("[sid, {status: sent}]")) == [
                "component.yaml:25:20: error: Each entry of 'summary' in action 'greet' must be a key of its result (a single word such as 'sid'), not a mapping."
            ])
        #expect(
            diagnostics(summarizing("sid")) == [
                "component.yaml:25:14: error: The 'summary' of action 'greet' must be a list (each item starting with '- '), not a single value."
            ])
        #expect(
            diagnostics(summarizing("[sid, sid]")) == [
                "component.yaml:25:20: error: The 'summary' of action 'greet' lists 'sid' twice; list each key once."
            ])
        #expect(
            diagnostics(summarizing("[sid]", data: "hello")) == [
                "component.yaml:25:14: error: The 'summary' of action 'greet' lists keys of its result, but its example result ('examplePayload: {data: ...}') is not an object; give an example whose 'data' has those keys, or remove 'summary'."
            ])
        #expect(
            diagnostics(summarizing("[]")) == [
                "component.yaml:25:14: error: The 'summary' of action 'greet' is empty; list the keys of its result an engine keeps (such as 'summary: [sid, status]'), or remove it."
            ])
    }

    /// An entry dropped for its kind does not shift the locations of those after it, and each entry
    /// must be one word.
    @Test func aSummaryEntryIsReportedAtItsOwnPlace() {
        #expect(
            diagnostics(summarizing("[{a: b}, staus]")) == [
                "component.yaml:25:15: error: Each entry of 'summary' in action 'greet' must be a key of its result (a single word such as 'sid'), not a mapping.",
                "component.yaml:25:23: error: The 'summary' of action 'greet' lists 'staus', which is not a top-level key of its example result. Did you mean 'status'? List keys its 'examplePayload.data' has.",
            ])
        #expect(
            diagnostics(summarizing("[sid, message body, status.code]")) == [
                "component.yaml:25:20: error: The 'summary' of action 'greet' lists 'message body', which is not a single word: list top-level keys of its result, made of letters, digits and '_' (such as 'sid').",
                "component.yaml:25:34: error: The 'summary' of action 'greet' lists 'status.code', which is not a single word: list top-level keys of its result, made of letters, digits and '_' (such as 'sid').",
            ])
        #expect(
            diagnostics(summarizing("[[sid]]")) == [
                "component.yaml:25:15: error: Each entry of 'summary' in action 'greet' must be a key of its result (a single word such as 'sid'), not a list."
            ])
    }

    /// `greet`, with a boolean `dry` and a `callbackUrl` input, reconciled through `find`, which
    /// pages; `rule` adds lines to the rule.
    func reconcilingWithPaging(_ extra: [String]) -> String {
        let greetInputs = [
            "      - key: dry", "        label: Dry", "        type: boolean", "      - key: callbackUrl", "        label: Callback URL",
            "        type: string",
        ]
        let lines =
            ["    reconcile:"] + (Self.rule + extra).map { "      " + $0 } + [
                "    examplePayload:", "      data: hello",
                "  - key: find", "    label: Find", "    description: Finds greetings.", "    hints: {readOnly: true}",
                "    inputs:", "      - key: who", "        label: Who", "        type: string",
                "      - key: pageSize", "        label: Page Size", "        type: integer",
                "      - key: limit", "        label: Limit", "        type: integer",
                "      - key: cursor", "        label: Cursor", "        type: string",
                "    examplePayload:", "      data: {greetings: [], next: null, more: false}",
            ]
        return replacing("        type: string\n", with: "        type: string\n" + greetInputs.joined(separator: "\n") + "\n")
            .replacingOccurrences(of: "    examplePayload:\n      data: hello", with: lines.joined(separator: "\n"))
    }

    static let paging = [
        "page: {size: pageSize, limit: limit, cursor: cursor, next: next, more: more}", "preview: dry",
        "callback: {input: callbackUrl, field: GreetingSid}",
    ]

    @Test func pagingPreviewAndCallbackAreExportedAsWritten() throws {
        let text = reconcilingWithPaging(Self.paging)
        #expect(diagnostics(text) == [])
        let manifest = try ManifestLoader.load(text: text, file: "component.yaml").manifest
        let rule = try #require(manifest.action("greet")?.reconcile)
        #expect(rule.page == ReconcilePaging(size: "pageSize", limit: "limit", cursor: "cursor", next: "next", more: "more"))
        #expect(rule.preview == "dry")
        #expect(rule.callback == ReconcileCallback(input: "callbackUrl", field: "GreetingSid"))
        let exported = ManifestExport.json(manifest)
        #expect(exported["protocolVersion"] == "1.4")
        let greet = exported["actions"]?.arrayValue?.first { $0["key"] == "greet" }
        #expect(
            greet?["reconcile"] == [
                "action": "find", "inputs": ["who": "name"], "items": "greetings", "match": ["name": "name"],
                "createdAt": "createdAt", "id": "id",
                "page": ["size": "pageSize", "limit": "limit", "cursor": "cursor", "next": "next", "more": "more"],
                "preview": "dry", "callback": ["input": "callbackUrl", "field": "GreetingSid"],
            ])
        // The limit and the "more" field may be left out: next alone says where a listing ends.
        let minimal = try ManifestLoader.load(
            text: reconcilingWithPaging(["page: {size: pageSize, cursor: cursor, next: next}"]), file: "component.yaml"
        ).manifest
        #expect(
            ManifestExport.json(minimal)["actions"]?.arrayValue?.first { $0["key"] == "greet" }?["reconcile"]?["page"] == [
                "size": "pageSize", "limit": .null, "cursor": "cursor", "next": "next", "more": .null,
            ])
    }

    @Test func pagingPreviewAndCallbackMustNameInputsThatFit() {
        func with(_ index: Int, _ line: String) -> String {
            var extra = Self.paging
            extra[index] = line
            return reconcilingWithPaging(extra)
        }
        #expect(
            diagnostics(with(0, "page: {size: pageSize, limit: limit, cursor: cursr, next: next, more: more}")) == [
                "component.yaml:38:52: error: The 'reconcile' of action 'greet' pages with 'cursr' as the cursor input of 'find', which has no such input. Did you mean 'cursor'? Name the input of 'find' that takes the cursor."
            ])
        #expect(
            diagnostics(with(0, "page: {size: size, cursor: cursor, next: next}")) == [
                "component.yaml:38:20: error: The 'reconcile' of action 'greet' pages with 'size' as the page size input of 'find', which has no such input. Name the input of 'find' that takes the page size."
            ])
        #expect(
            diagnostics(with(0, "page: {size: pageSize, cursor: cursor, nxt: next}")) == [
                "component.yaml:38:13: error: The 'page' of the 'reconcile' of action 'greet' is missing the required field 'next'; add 'next:' (the field of its data giving the next page's cursor).",
                "component.yaml:38:46: error: Unknown field 'nxt' in the 'page' of the 'reconcile' of action 'greet'. Did you mean 'next'? The fields allowed here are: size, limit, cursor, next, more.",
            ])
        #expect(
            diagnostics(with(1, "preview: name")) == [
                "component.yaml:39:16: error: The 'reconcile' of action 'greet' previews with the input 'name', which is of type 'string'; the preview input must be a boolean that makes 'greet' return what it would do without doing it."
            ])
        #expect(
            diagnostics(with(1, "preview: dryy")) == [
                "component.yaml:39:16: error: The 'reconcile' of action 'greet' previews with the input 'dryy', which 'greet' does not have. Did you mean 'dry'? Name its boolean input that makes it return what it would do without doing it."
            ])
        #expect(
            diagnostics(with(2, "callback: {input: callbackUri, field: GreetingSid}")) == [
                "component.yaml:40:25: error: The 'reconcile' of action 'greet' takes the status callback URL in the input 'callbackUri', which 'greet' does not have. Did you mean 'callbackUrl'?"
            ])
        #expect(
            diagnostics(with(2, "callback: {input: callbackUrl}")) == [
                "component.yaml:40:17: error: The 'callback' of the 'reconcile' of action 'greet' is missing the required field 'field'; add 'field:' (the callback's field naming the candidate)."
            ])
    }

    @Test func unknownCollectionAndNonBooleanFlag() {
        #expect(
            diagnostics(replacing("type: string", with: "type: string\n        collection: valuelists\n        required: maybe")) == [
                "component.yaml:22:21: error: Input 'name' of action 'greet' has an unknown collection 'valuelists'. Did you mean 'valuelist'? Use one of: valuelist, keyvaluelist.",
                "component.yaml:23:19: error: The field 'required' of input 'name' of action 'greet' must be true or false, not 'maybe'.",
            ])
    }

    @Test func connectionInputInsideAConnection() {
        #expect(
            diagnostics(replacing("type: password", with: "type: connection")) == [
                "component.yaml:12:15: error: Input 'token' of connection 'token' has type 'connection', which only actions, triggers and data sources may use; give it a type such as 'string' or 'password'."
            ])
    }

    @Test func scalarsAreReadByTheirField() throws {
        let text = replacing("label: Greet", with: "label: yes").replacingOccurrences(
            of: "type: string", with: "type: boolean\n        default: no")
        let manifest = try ManifestLoader.load(text: text, file: "component.yaml").manifest
        #expect(manifest.actions[0].label == "yes")
        #expect(manifest.actions[0].inputs[0].default == "no")
    }

    @Test func warningsDoNotStopLoading() throws {
        let loaded = try ManifestLoader.load(text: replacing("    description: Says hello.\n", with: ""), file: "component.yaml")
        #expect(
            loaded.warnings.map(\.description) == [
                "component.yaml:15:5: warning: The action 'greet' has no description; add 'description:' so people know what it does."
            ])
    }

    @Test func reportsEveryProblemAtOnceInOrder() {
        let text = replacing("type: string", with: "type: strin").replacingOccurrences(of: "- key: greet", with: "- key: gr eet")
            .replacingOccurrences(of: "      data: hello", with: "      body: hello")
        #expect(diagnostics(text).count == 3)
    }

    @Test func yamlSyntaxErrorsBecomeDiagnostics() {
        #expect(
            diagnostics("key: demo\ndisplay:\n  label: \"Demo\n") == [
                "component.yaml:4:1: error: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar started at line 3, column 10). A quoted value is probably missing its closing quote."
            ])
        #expect(
            diagnostics("key: a\nkey: b\n") == [
                "component.yaml:2:1: error: The key 'key' appears twice in this mapping (first at line 1, column 1); remove one of them."
            ])
    }

    @Test func rendersTheSourceLineWithACaret() throws {
        do {
            _ = try ManifestLoader.load(text: replacing("type: string", with: "type: strin"), file: "component.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.rendered.hasSuffix("        type: strin\n              ^"))
        }
    }
}
