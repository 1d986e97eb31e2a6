import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// Verify and Lookup end to end through the built executables, against an in-process sandbox that
/// serves every Twilio host at the one address `TWILIO_API_BASE_URL` names: the `run-action`
/// executable (one process per step, as a user would run them) and a `serve` child (one process,
/// one JSON line per step). Each runs create service → send → wrong code pending → right code
/// approved → a check after approval fails as Twilio's does (404, 20404) → six checks reach
/// 60202; and a lookup with each field.
@Suite(.timingInsensitive) struct VerifyLookupEndToEndTests {
    static let lookupFields = [
        "line_type_intelligence", "caller_name", "sms_pumping_risk", "line_status", "sim_swap", "call_forwarding",
        "phone_number_quality_score", "identity_match", "reassigned_number", "pre_fill",
    ]

    /// One step of a flow: an action with its inputs, answered with the result envelope.
    typealias Step = (_ action: String, _ inputs: JSONObject) async throws -> JSONValue

    /// The flow, through `step`; `tool` reveals the codes.
    static func verifyFlow(_ tool: EngineTool, to: String, secondTo: String, step: Step) async throws {
        let service = try await step("createVerifyService", ["friendlyName": "Acme", "codeLength": "6"])
        let serviceSid = try #require(service["data"]?["sid"]?.stringValue, "\(service)")
        #expect(serviceSid.hasPrefix("VA"))
        let sent = try await step("sendVerification", ["serviceSid": .string(serviceSid), "to": .string(to)])
        #expect(sent["data"]?["status"] == "pending", "\(sent)")
        let code = try await tool.verificationCode(to: to)
        let wrongCode = code == "000000" ? "111111" : "000000"

        let wrong = try await step("checkVerification", ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(wrongCode)])
        #expect(wrong["data"]?["status"] == "pending", "\(wrong)")
        #expect(wrong["data"]?["valid"] == false)
        let right = try await step("checkVerification", ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(code)])
        #expect(right["data"]?["status"] == "approved", "\(right)")
        #expect(right["data"]?["valid"] == true)
        let after = try await step("checkVerification", ["serviceSid": .string(serviceSid), "to": .string(to), "code": .string(code)])
        #expect(after["error"]?["status"] == 404, "\(after)")
        #expect(after["error"]?["code"] == 20404)
        #expect(after["error"]?["retryable"] == false)
        #expect(after["error"]?["message"]?.stringValue?.contains("that attempt may have accepted the code") == true)
        #expect(after["data"] == nil)

        let second = try await step("sendVerification", ["serviceSid": .string(serviceSid), "to": .string(secondTo)])
        let verificationSid = try #require(second["data"]?["sid"]?.stringValue, "\(second)")
        let secondCode = try await tool.verificationCode(to: secondTo)
        let secondWrong = secondCode == "000000" ? "111111" : "000000"
        for attempt in 1...5 {
            let check = try await step(
                "checkVerification",
                ["serviceSid": .string(serviceSid), "verificationSid": .string(verificationSid), "code": .string(secondWrong)])
            #expect(check["data"]?["status"] == "pending", "check \(attempt): \(check)")
        }
        let sixth = try await step(
            "checkVerification",
            ["serviceSid": .string(serviceSid), "verificationSid": .string(verificationSid), "code": .string(secondCode)])
        #expect(sixth["error"]?["code"] == 60202, "\(sixth)")
        #expect(sixth["error"]?["status"] == 429)
        #expect(sixth["error"]?["retryable"] == false)
        #expect(sixth["error"]?["details"]?["attempts"] == 1)

        for field in lookupFields {
            var inputs: JSONObject = ["phoneNumber": "+14155550100", "fields": [.string(field)]]
            for (key, value) in VerifyLookupSandboxTests.packageInputs[field] ?? [:] { inputs[key] = .string(value) }
            let lookup = try await step("lookupPhoneNumber", inputs)
            #expect(lookup["data"]?["valid"] == true, "\(lookup)")
            let key = ResourceFieldsKey.camelCased(field)
            #expect(lookup["data"]?[key]?.objectValue != nil, "\(field): \(lookup)")
            #expect(lookup["data"]?[key]?["error_code"] == .null, "\(field): \(lookup)")
        }
    }

    /// A step's secret inputs, as given and as Lookup takes a date (YYYYMMDD).
    static func secrets(of inputs: JSONObject) -> [String] {
        let given = ["code", "dateOfBirth"].compactMap { inputs[$0]?.stringValue }
        return given + given.filter { $0.contains("-") }.map { $0.filter { $0 != "-" } }
    }

    @Test func throughTheRunActionExecutable() async throws {
        let runAction = ProcessRunner.product("run-action")
        try await withEngineTool { tool in
            try await Self.verifyFlow(tool, to: "+14155550131", secondTo: "+14155550132") { action, inputs in
                var arguments = [action, "--compact", "--debug"]
                for (key, value) in inputs {
                    switch value {
                    case .array(let items): for item in items { arguments += ["--input", "\(key)=\(item.stringValue ?? "")"] }
                    default: arguments += ["--input", "\(key)=\(value.stringValue ?? JSONWriter.string(from: value))"]
                    }
                }
                // TWILIO_API_BASE_URL alone sends the api, verify and lookups requests to the sandbox.
                let output = try await ProcessRunner.run(runAction, arguments, environment: tool.credentialEnvironment)
                for secret in Self.secrets(of: inputs) { #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret)) }
                return try JSONParser.parse(output.stdout)
            }
        }
    }

    @Test func throughAServeChild() async throws {
        try await withEngineTool { tool in
            let serve = try await ChildProcess(EngineTool.path, ["serve"], environment: tool.environment)
            var answers = serve.lines.makeAsyncIterator()
            var id = 0
            try await Self.verifyFlow(tool, to: "+14155550141", secondTo: "+14155550142") { action, inputs in
                id += 1
                try serve.write(
                    JSONWriter.string(from: [
                        "id": .integer(id), "action": .string(action), "inputs": .object(inputs), "connection": tool.authToken,
                        "context": ["invocationId": .string("verify-\(id)"), "debug": true],
                    ]) + "\n")
                let line = try #require(await answers.next(), "serve ended before answering \(action)")
                for secret in Self.secrets(of: inputs) { #expect(!line.contains(secret)) }
                let answer = try JSONParser.parse(line)
                #expect(answer["id"] == .integer(id))
                return answer
            }
            try serve.closeInput()
            let (exitCode, stderr) = await serve.wait()
            #expect(exitCode == 0, "\(stderr)")
        }
    }
}

/// Lookup's package names as the outputs key them (`line_type_intelligence` → `lineTypeIntelligence`).
enum ResourceFieldsKey {
    static func camelCased(_ key: String) -> String {
        let words = key.split(separator: "_")
        return words.prefix(1).joined() + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
