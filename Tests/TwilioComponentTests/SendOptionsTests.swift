import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// sendSMS with content templates, WhatsApp and the send options (Shorten URLs, Smart Encoded,
/// Max Price, Risk Check), end to end: run-action and serve → libcurl → the sandbox, which
/// renders templates as Twilio does.
@Suite(.timingInsensitive) struct SendOptionsTests {
    static let appointment = "HX" + String(repeating: "a1", count: 16)
    static let orderShipped = "HX" + String(repeating: "b2", count: 16)
    static let service = "MG" + String(repeating: "a", count: 32)

    @Test func aTemplateIsRenderedFromItsVariables() async throws {
        try await withHarness { harness throws in
            let sent = await harness.run(
                ["sendSMS"]
                    + Harness.inputs([
                        "from": "+15005550006", "to": "+14155550100", "contentSid": Self.appointment,
                        "contentVariables": #"{"1": "Friday", "2": "4pm"}"#,
                    ]))
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            #expect(sent.data["body"] == "Your appointment is coming up on Friday at 4pm. Reply C to confirm.")
            #expect(sent.data["numSegments"] == "1")
            // A placeholder left out keeps the template's own value; key=value lines work too.
            let partial = await harness.run(
                ["sendSMS", "--input", "contentVariables=2=noon"]
                    + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "contentSid": Self.appointment]))
            #expect(partial.data["body"] == "Your appointment is coming up on 12/1 at noon. Reply C to confirm.")
            #expect(try await harness.sandboxMessages().count == 2)
        }
    }

    @Test func whatsAppSendsAnApprovedTemplateBetweenWhatsAppAddresses() async throws {
        try await withHarness { harness throws in
            let sent = await harness.run(
                ["sendSMS", "--input", "contentVariables=1=Ada", "--input", "contentVariables=2=#4417"]
                    + Harness.inputs(["from": "whatsapp:+15005550006", "to": "whatsapp:+14155550100", "contentSid": Self.orderShipped]))
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            #expect(sent.data["from"] == "whatsapp:+15005550006")
            #expect(sent.data["to"] == "whatsapp:+14155550100")
            #expect(sent.data["body"] == "Hi Ada, your order #4417 has shipped and arrives soon.")
        }
    }

    @Test func shortenUrlsSmartEncodedMaxPriceAndRiskCheckReachTwilio() async throws {
        try await withHarness { harness throws in
            let inputs = [
                "messagingServiceSid": Self.service, "to": "+14155550100", "body": "“Sale” – see https://example.com/offer?id=7 now",
                "shortenUrls": "true", "smartEncoded": "true", "maxPrice": "0.05", "riskCheck": "disable",
            ]
            let dry = await harness.run(["sendSMS", "--input", "dryRun=true"] + Harness.inputs(inputs))
            #expect(
                dry.data["form"] == [
                    "To": "+14155550100", "MessagingServiceSid": .string(Self.service),
                    "Body": "“Sale” – see https://example.com/offer?id=7 now", "ShortenUrls": "true", "SmartEncoded": "true",
                    "MaxPrice": "0.05", "RiskCheck": "disable",
                ])
            // Smart Encoding keeps the curly quotes and the dash from making it UCS-2.
            #expect(dry.data["encoding"] == "GSM-7")
            #expect(try await harness.sandboxMessages().isEmpty)

            let sent = await harness.run(["sendSMS"] + Harness.inputs(inputs))
            #expect(sent.exitCode == 0, "\(sent.stderr)")
            let body = try #require(sent.data["body"]?.stringValue)
            #expect(body.hasPrefix("\"Sale\" - see https://sbx.link/") && body.hasSuffix(" now"), "\(body)")
            #expect(body.count == "\"Sale\" - see https://sbx.link/0123456789 now".count)
            // Once a sender is chosen the sandbox counts one GSM-7 segment, as the dry run did.
            #expect(try await harness.sandboxMessages().first?["num_segments"] == "1")
        }
    }

    @Test func everyProblemIsReportedAtOnce() async throws {
        try await withHarness { harness throws in
            let output = await harness.run(
                ["sendSMS"]
                    + Harness.inputs([
                        "from": "whatsapp:+15005550006", "to": "+14155550100", "contentVariables": "1=", "shortenUrls": "true",
                    ]))
            let inputs = output.error["details"]?["problems"]?.arrayValue?.compactMap { $0["input"]?.stringValue }
            #expect(inputs == ["body", "contentVariables", "contentVariables", "shortenUrls", "to"])
            #expect(try await harness.sandboxMessages().isEmpty)
        }
    }

    /// What only Twilio knows, it refuses with its codes: a template the account does not have
    /// (21655), a placeholder with no value from the send or the template (21656).
    @Test func twiliosTemplateRefusalsComeBackWithTheirCodes() async throws {
        try await withHarness { harness throws in
            let unknown = await harness.run(
                ["sendSMS"]
                    + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "contentSid": "HX" + String(repeating: "0", count: 32)])
            )
            #expect(unknown.exitCode == 4)
            #expect(unknown.error["kind"] == "upstream")
            #expect(unknown.error["code"] == 21655)
            #expect(unknown.error["maybeSent"] == false)

            let created = try await harness.addContentTemplate([
                "body": "Hello {{name}}, your code is {{code}}.", "variables": ["code": "0000"],
            ])
            let sid = try #require(created["sid"]?.stringValue)
            let missing = await harness.run(
                ["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "contentSid": sid]))
            #expect(missing.error["code"] == 21656)
            #expect(missing.error["message"]?.stringValue?.contains("{{name}}") == true)
            let named = await harness.run(
                ["sendSMS", "--input", "contentVariables=name=Ada"]
                    + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "contentSid": sid]))
            #expect(named.data["body"] == "Hello Ada, your code is 0000.")
            #expect(try await harness.sandboxMessages().count == 1)
        }
    }

    /// The official twilio package creates the same templated message and gets the same body.
    @Test func theTwilioPackageRendersTheSameBody() async throws {
        try await withHarness(transport: .plain) { harness throws in
            let variables = #"{"1":"Tuesday, June 3","2":"9:15am"}"#
            let ours = await harness.run(
                ["sendSMS"]
                    + Harness.inputs([
                        "from": "+15005550006", "to": "+14155550100", "contentSid": Self.appointment, "contentVariables": variables,
                    ]))
            let output = try await PythonPeer.run(
                script: "sandbox_template_check.py",
                arguments: [
                    harness.baseURL, harness.credentials.accountSid, harness.credentials.authToken, "+15005550006", "+14155550100",
                    Self.appointment, variables,
                ])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let theirs = try JSONParser.parse(output.stdout)
            #expect(theirs["body"] == "Your appointment is coming up on Tuesday, June 3 at 9:15am. Reply C to confirm.")
            #expect(theirs["body"] == ours.data["body"])
            #expect(theirs["numSegments"] == ours.data["numSegments"])
            #expect(theirs["variablesWithoutSid"] == 21654)
        }
    }

    /// Through `serve`: each new input and each refusal, answered by id.
    @Test func serveSendsTemplatesAndRefusesWhatTwilioWould() async throws {
        try await withEngineTool { tool in
            func line(_ id: Int, _ inputs: JSONObject) -> String {
                JSONWriter.string(from: ["id": .integer(id), "action": "sendSMS", "connection": tool.authToken, "inputs": .object(inputs)])
                    + "\n"
            }
            let lines = [
                line(
                    1,
                    [
                        "from": "+15005550006", "to": "+14155550100", "contentSid": .string(Self.appointment),
                        "contentVariables": ["1": "Monday", "2": "8am"],
                    ]),
                line(2, ["from": "whatsapp:+15005550006", "to": "whatsapp:+14155550100", "contentSid": .string(Self.orderShipped)]),
                line(
                    3,
                    [
                        "messagingServiceSid": .string(Self.service), "to": "+14155550100", "body": "Go https://example.com/x",
                        "shortenUrls": true, "smartEncoded": false, "maxPrice": 0.1, "riskCheck": "enable",
                    ]),
                line(4, ["from": "+15005550006", "to": "+14155550100", "body": "x", "contentVariables": ["1": "a"]]),
                line(5, ["from": "whatsapp:+15005550006", "to": "+14155550100", "body": "x"]),
                line(6, ["from": "+15005550006", "to": "+14155550100", "contentSid": .string("HX" + String(repeating: "f", count: 32))]),
                line(7, ["from": "+15005550006", "to": "+14155550100", "body": "https://example.com", "shortenUrls": true]),
                line(
                    8,
                    ["from": "+15005550006", "to": "+14155550100", "contentSid": .string(Self.appointment), "contentVariables": ["1": ""]]),
                line(9, ["from": "+15005550006", "to": "+14155550100"]),
                line(10, ["from": "+15005550006", "to": "+14155550100", "body": "x", "riskCheck": "off"]),
            ]
            let served = try await tool.run(["serve", "--concurrency", "4"], stdin: lines.joined())
            #expect(served.exitCode == 0, "\(served.stderr)")
            var answers: [Int: JSONValue] = [:]
            for text in served.stdout.split(separator: "\n") {
                let answer = try JSONParser.parse(String(text))
                answers[try #require(answer["id"]?.intValue)] = answer
            }
            #expect(answers[1]?["data"]?["body"] == "Your appointment is coming up on Monday at 8am. Reply C to confirm.")
            #expect(answers[2]?["data"]?["body"] == "Hi there, your order #1234 has shipped and arrives soon.")
            #expect(answers[3]?["data"]?["body"]?.stringValue?.hasPrefix("Go https://sbx.link/") == true)
            #expect(answers[4]?["error"]?["input"] == "contentVariables")
            #expect(answers[5]?["error"]?["input"] == "to")
            #expect(answers[6]?["error"]?["code"] == 21655)
            #expect(answers[7]?["error"]?["input"] == "shortenUrls")
            #expect(answers[8]?["error"]?["input"] == "contentVariables")
            #expect(answers[9]?["error"]?["input"] == "body")
            #expect(answers[10]?["error"]?["input"] == "riskCheck")
            #expect(try await tool.sandboxMessages().count == 3)
        }
    }
}

extension SandboxControlling {
    /// Adds a content template to the sandbox (`POST /__sandbox/content`); its JSON, with its SID.
    func addContentTemplate(_ template: JSONValue) async throws -> JSONValue {
        let response = try await controlClient.send(
            HTTPClientRequest(method: .post, url: baseURL + "/__sandbox/content", body: .json(template)))
        return try JSONParser.parse(response.body)
    }
}
