import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// sendSMS end to end: run-action (in-process) → libcurl → the sandbox.
@Suite(.timingInsensitive) struct SendSMSTests {
    static let send = ["from": "+15005550006", "to": "+14155550100", "body": "Hello"]

    @Test(arguments: SandboxTransport.tls)
    func sendsTheSeedsCallUnchanged(over transport: SandboxTransport) async throws {
        try await withHarness(transport: transport) { harness throws in
            let output = await harness.run(
                ["sendSMS"] + Harness.inputs(["from": "5555551234", "body": "Hello from Acme!", "to": "5551234567"]))
            #expect(output.exitCode == 0, "\(output.stderr)")
            #expect(output.data["from"] == "+15555551234")
            #expect(output.data["to"] == "+15551234567")
            #expect(output.data["body"] == "Hello from Acme!")
            #expect(output.data["status"] == "queued")
            #expect(output.stderr.isEmpty)
            #expect(try await harness.sandboxMessages().count == 1)
            let seen = try await harness.protocolsSeen()
            #expect(seen.requests == [transport.httpVersion] && seen.handshakes == transport.alpn)
        }
    }

    @Test func sendsWithEveryOptionalInput() async throws {
        try await withHarness { harness throws in
            let service = "MG" + String(repeating: "a", count: 32)
            let unknown = await harness.run(["sendSMS", "--input", "mediaUrl=x"] + Harness.inputs(Self.send))
            let media = try #require(unknown.envelope["error"]?["input"])
            #expect(media == "mediaUrl")  // an unknown input is refused, with its key

            let mms = await harness.run(
                [
                    "sendSMS", "--input", "mediaUrls=https://example.com/a.png", "--input", "mediaUrls=https://example.com/b.png",
                    "--input", "statusCallback=https://hooks.example.com/s", "--input", "validityPeriod=600",
                ] + Harness.inputs(Self.send))
            #expect(mms.exitCode == 0, "\(mms.stderr)")
            #expect(mms.data["numMedia"] == "2")
            #expect(mms.data["sid"]?.stringValue?.hasPrefix("MM") == true)

            let viaService = await harness.run(
                ["sendSMS"] + Harness.inputs(["messagingServiceSid": service, "to": "+14155550100", "body": "Hi"]))
            #expect(viaService.data["status"] == "accepted")
            #expect(viaService.data["messagingServiceSid"] == .string(service))

            let sendAt = ISO8601Timestamp.string(from: Date().addingTimeInterval(3600))
            let scheduled = await harness.run(
                ["sendSMS"] + Harness.inputs(["messagingServiceSid": service, "to": "+14155550100", "body": "Later", "sendAt": sendAt]))
            #expect(scheduled.data["status"] == "scheduled")

            let whatsapp = await harness.run(
                ["sendSMS"] + Harness.inputs(["from": "whatsapp:+15005550006", "to": "WhatsApp:4155550100", "body": "Hi"]))
            #expect(whatsapp.data["to"] == "whatsapp:+14155550100")
            #expect(whatsapp.data["from"] == "whatsapp:+15005550006")

            let uk = await harness.run(
                ["sendSMS"] + Harness.inputs(["from": "Acme", "to": "07911 123456", "defaultCountryCode": "44", "body": "Hi"]))
            #expect(uk.data["to"] == "+447911123456")
            #expect(uk.data["from"] == "Acme")
            #expect(try await harness.sandboxMessages().count == 5)
        }
    }

    @Test(arguments: [
        ("+15005550001", "+14155550100", 21212), ("+15005550007", "+14155550100", 21606), ("+15005550008", "+14155550100", 21611),
        ("+15005550006", "+15005550001", 21211), ("+15005550006", "+15005550002", 21612), ("+15005550006", "+15005550003", 21408),
        ("+15005550006", "+15005550004", 21610), ("+15005550006", "+15005550009", 21614),
    ])
    func reportsEveryMagicNumberErrorAsUpstream(from: String, to: String, code: Int) async throws {
        try await withHarness { harness throws in
            let output = await harness.run(["sendSMS"] + Harness.inputs(["from": from, "to": to, "body": "x"]))
            #expect(output.exitCode == 4)
            #expect(output.error["kind"] == "upstream")
            #expect(output.error["code"] == .integer(code))
            #expect(output.error["status"] == 400)
            #expect(output.error["moreInfo"] == .string("https://www.twilio.com/docs/errors/\(code)"))
            #expect(output.error["maybeSent"] == false)
            #expect(output.error["message"]?.stringValue?.hasPrefix("Twilio answered 400: ") == true)
            #expect(output.stderr.hasPrefix("error: Twilio answered 400: "))
        }
    }

    @Test(
        arguments: [
            (
                ["to": "abc", "from": "+15005550006", "body": "x"], "to",
                "Input 'to' (To) 'abc' is not a phone number; write it as E.164 (+14155550100), national digits with the Default Country Code, or a channel address such as whatsapp:+14155550100."
            ),
            (
                ["to": "555123", "from": "+15005550006", "body": "x"], "to",
                "Input 'to' (To) '555123' has 6 digits, but a US or Canadian number has 10 (or 11 with a leading 1); write it as E.164 (+14155550100), national digits with the Default Country Code, or a channel address such as whatsapp:+14155550100."
            ),
            (
                ["to": "+14155550100", "from": "not/valid!", "body": "x"], "from",
                "Input 'from' (From) 'not/valid!' is not a phone number; write it as E.164 (+14155550100), national digits with the Default Country Code, a short code, an alphanumeric sender ID, or a channel address such as whatsapp:+14155550100."
            ),
            (
                ["to": "+14155550100", "body": "x"], "from",
                "Input 'from' (From) is required unless a Messaging Service SID is given: Twilio needs a sender (error 21603)."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006"], "body",
                "Input 'body' (Message) is required unless Media URLs or a Content SID are given: Twilio needs something to send (error 21602)."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "mediaUrls": "ftp://example.com/a.png"], "mediaUrls",
                "Input 'mediaUrls' (Media URLs) holds 'ftp://example.com/a.png', which is not an http or https URL Twilio can fetch."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "statusCallback": "nope"], "statusCallback",
                "Input 'statusCallback' (Status Callback URL) 'nope' is not an http or https URL."
            ),
            (
                [
                    "to": "+14155550100", "from": "+15005550006", "body": "x",
                    "sendAt": ISO8601Timestamp.string(from: Date().addingTimeInterval(86_400)),
                ], "sendAt",
                "Input 'sendAt' (Send At) needs a Messaging Service SID: Twilio schedules messages only through a Messaging Service."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "validityPeriod": "36001"], "validityPeriod",
                "Input 'validityPeriod' (Validity Period) must be at most 36000, but got 36001."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "messagingServiceSid": "MG123"], "messagingServiceSid",
                "Input 'messagingServiceSid' (Messaging Service SID) must match the pattern ^MG[0-9a-fA-F]{32}$, but 'MG123' does not."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "defaultCountryCode": "+1"], "defaultCountryCode",
                "Input 'defaultCountryCode' (Default Country Code) must match the pattern ^[1-9][0-9]{0,2}$, but '+1' does not."
            ),
            (
                ["to": "+14155550100", "from": "+14155550100", "body": "x"], "to",
                "Input 'to' (To) is the same as From; Twilio does not send a message to its sender (error 21266)."
            ),
            (
                ["to": "+14155550100", "from": "+15005550006", "body": "x", "dryRun": "maybe"], "dryRun",
                "Input 'dryRun' (Dry Run) expects true or false (also yes/no, on/off, 1/0), but got 'maybe'."
            ),
            // Content templates, WhatsApp and the send options (SendOptionsTests sends them).
            (
                ["from": "+15005550006", "to": "+14155550100", "body": "x", "contentVariables": "1=Friday"], "contentVariables",
                "Input 'contentVariables' (Content Variables) needs a Content SID: the variables fill the placeholders of a content template (error 21654)."
            ),
            (
                [
                    "from": "+15005550006", "to": "+14155550100", "contentSid": SendOptionsTests.appointment,
                    "contentVariables": #"{"1": ""}"#,
                ],
                "contentVariables",
                "Input 'contentVariables' (Content Variables) gives '1' no value; Twilio refuses an empty variable (error 21656), so leave it out to use the template's own."
            ),
            (
                [
                    "from": "+15005550006", "to": "+14155550100", "contentSid": SendOptionsTests.appointment,
                    "contentVariables": #"[{"key":"1","value":"a"},{"key":"1","value":"b"},{"key":"1","value":"c"}]"#,
                ], "contentVariables",
                "Input 'contentVariables' (Content Variables) names '1' more than once; each placeholder takes one value."
            ),
            (
                ["from": "+15005550006", "to": "+14155550100", "body": "https://example.com", "shortenUrls": "true"], "shortenUrls",
                "Input 'shortenUrls' (Shorten URLs) needs a Messaging Service SID: Twilio shortens links on the Link Shortening domain of a Messaging Service."
            ),
            (
                ["from": "whatsapp:+15005550006", "to": "+14155550100", "body": "x"], "to",
                "Input 'to' (To) '+14155550100' is not a WhatsApp address, but From is a WhatsApp sender, which sends only to WhatsApp; write it as whatsapp:+14155550100 (error 21910)."
            ),
            (
                ["from": "+15005550006", "to": "whatsapp:+14155550100", "body": "x"], "from",
                "Input 'from' (From) '+15005550006' is not a WhatsApp sender, but To is a WhatsApp address; write it as whatsapp:+15005550006 (error 21910)."
            ),
            (
                ["from": "+15005550006", "to": "+14155550100", "contentSid": "HX123"], "contentSid",
                "Input 'contentSid' (Content SID) must match the pattern ^HX[0-9a-fA-F]{32}$, but 'HX123' does not."
            ),
            (
                ["from": "+15005550006", "to": "+14155550100", "body": "x", "riskCheck": "off"], "riskCheck",
                "Input 'riskCheck' (Risk Check) must be one of 'enable', 'disable', but got 'off'."
            ),
            (
                ["from": "+15005550006", "to": "+14155550100", "body": "x", "maxPrice": "-1"], "maxPrice",
                "Input 'maxPrice' (Max Price) must be at least 0, but got -1."
            ),
        ] as [([String: String], String, String)])
    func refusesInvalidInputsBeforeAnyRequest(inputs: [String: String], key: String, message: String) async throws {
        try await withHarness { harness throws in
            let output = await harness.run(["sendSMS"] + Harness.inputs(inputs))
            #expect(output.exitCode == 2)
            #expect(output.error["kind"] == "input")
            #expect(output.error["input"] == .string(key))
            #expect(output.error["message"] == .string(message))
            #expect(try await harness.sandboxMessages().isEmpty)
        }
    }

    @Test func sendAtMustBeInTheWindow() async throws {
        try await withHarness { harness throws in
            let service = "MG" + String(repeating: "a", count: 32)
            let soon = ISO8601Timestamp.string(from: Date().addingTimeInterval(60))
            let output = await harness.run(
                ["sendSMS"] + Harness.inputs(["messagingServiceSid": service, "to": "+14155550100", "body": "x", "sendAt": soon]))
            #expect(output.error["input"] == "sendAt")
            #expect(
                output.error["message"]?.stringValue?.hasPrefix(
                    "Input 'sendAt' (Send At) must be more than 5 minutes and at most 35 days ahead") == true)
        }
    }

    @Test func aDryRunSendsNothing() async throws {
        try await withHarness { harness throws in
            let output = await harness.run(
                ["sendSMS", "--input", "dryRun=true", "--input", "mediaUrls=https://example.com/a.png"]
                    + Harness.inputs(["from": "5555551234", "to": "5551234567", "body": "Olá {mundo}"]))
            #expect(output.exitCode == 0)
            #expect(
                output.data == [
                    "dryRun": true, "method": "POST",
                    "url": .string(harness.baseURL + "/2010-04-01/Accounts/\(harness.credentials.accountSid)/Messages.json"),
                    "form": [
                        "To": "+15551234567", "From": "+15555551234", "Body": "Olá {mundo}", "MediaUrl": ["https://example.com/a.png"],
                    ],
                    "encoding": "UCS-2", "segments": 1, "characters": 11,
                    "expected": ["to": "+15551234567", "from": "+15555551234", "body": "Olá {mundo}"], "uncertain": [],
                ])
            #expect(try await harness.sandboxMessages().isEmpty)
        }
    }

    @Test(arguments: [
        "Hello", String(repeating: "a", count: 161), String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152),
        String(repeating: "ç", count: 71), String(repeating: "a", count: 66) + "😀" + String(repeating: "a", count: 66), "Café {50%} ~ ok",
        "👍🏽 thumbs",
    ])
    func theDryRunsSegmentsAgreeWithTheSandboxs(body: String) async throws {
        try await withHarness { harness throws in
            let dry = await harness.run(
                ["sendSMS", "--input", "dryRun=true"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": body]))
            let sent = await harness.run(["sendSMS"] + Harness.inputs(["from": "+15005550006", "to": "+14155550100", "body": body]))
            // Both must have answered: two failures would agree on nothing (nil == nil).
            #expect(dry.exitCode == 0 && sent.exitCode == 0)
            let counted = try #require(dry.data["segments"]?.intValue)
            let stored = try #require(sent.data["numSegments"]?.stringValue)
            #expect(String(counted) == stored)
        }
    }

    @Test(arguments: SandboxTransport.tls)
    func neverSendsTwice(over transport: SandboxTransport) async throws {
        try await withHarness(transport: transport) { harness throws in
            // A 429 was never processed: it is retried, and exactly one message exists.
            try await harness.fault("messages.create", ["type": "status", "status": 429, "retryAfter": "0"])
            let retried = await harness.run(["sendSMS"] + Harness.inputs(Self.send))
            #expect(retried.exitCode == 0)
            #expect(try await harness.sandboxMessages().count == 1)

            // The connection drops after Twilio created the message: reported, not retried.
            try await harness.fault("messages.create", ["type": "dropAfterProcessing"])
            let dropped = await harness.run(["sendSMS"] + Harness.inputs(Self.send))
            #expect(dropped.exitCode == 6)
            #expect(dropped.error["kind"] == "network")
            #expect(dropped.error["maybeSent"] == true)
            #expect(dropped.error["retryable"] == false)
            #expect(dropped.error["message"]?.stringValue?.contains("may have reached the server") == true)
            #expect(try await harness.sandboxMessages().count == 2)

            // A 500 after processing is not retried either.
            try await harness.fault("messages.create", ["type": "status", "status": 500])
            let failed = await harness.run(["sendSMS"] + Harness.inputs(Self.send))
            #expect(failed.error["kind"] == "upstream")
            #expect(failed.error["maybeSent"] == true)
            #expect(failed.error["details"]?["attempts"] == 1)

            // Refused before it was read (REFUSED_STREAM, a GOAWAY that excludes it; over HTTP/1.1
            // a connection closed as the head arrives, which proves nothing): over HTTP/2 retried
            // and sent once, over HTTP/1.1 reported as maybe sent and not retried.
            for fault in ["refusedStream", "goaway"] {
                let before = try await harness.sandboxMessages().count
                try await harness.fault("messages.create", ["type": .string(fault)])
                let refused = await harness.run(["sendSMS"] + Harness.inputs(Self.send))
                if transport == .tlsHTTP2 {
                    #expect(refused.exitCode == 0, "\(fault): \(refused.stdout)")
                    #expect(try await harness.sandboxMessages().count == before + 1)
                } else {
                    #expect(refused.error["maybeSent"] == true, "\(fault): \(refused.stdout)")
                    #expect(try await harness.sandboxMessages().count == before)
                }
            }
            let seen = try await harness.protocolsSeen()
            #expect(seen.requests == [transport.httpVersion])
        }
    }

    @Test func badCredentialsAreAConnectionError() async throws {
        try await withHarness { harness throws in
            let output = await harness.run(
                [
                    "sendSMS", "--connection", "authToken", "--connection-field", "accountSid=\(harness.credentials.accountSid)",
                    "--connection-field", "authToken=0123456789abcdef0123456789abcdef",
                ] + Harness.inputs(Self.send),
                withConnection: false)
            #expect(output.exitCode == 3)
            #expect(output.error["kind"] == "connection")
            #expect(output.error["code"] == 20003)
            #expect(
                output.error["message"]
                    == "Twilio refused the credentials of the authToken connection (Authenticate: Your AccountSid or AuthToken was incorrect, error 20003); check the Account SID and the Auth Token."
            )
            #expect(
                !output.stdout.contains("0123456789abcdef0123456789abcdef") && !output.stderr.contains("0123456789abcdef0123456789abcdef"))

            let key = await harness.run(
                [
                    "sendSMS", "--connection", "apiKey", "--connection-field", "accountSid=\(harness.credentials.accountSid)",
                    "--connection-field", "apiKey=\(harness.credentials.apiKeySid)", "--connection-field", "apiSecret=wrong-secret-value",
                ] + Harness.inputs(Self.send),
                withConnection: false)
            #expect(key.error["kind"] == "connection")
            #expect(
                key.error["message"]?.stringValue?.hasSuffix(
                    "check the Account SID, the API Key SID and its secret (an API key works only in its own region).") == true)

            let good = await harness.run(
                [
                    "sendSMS", "--connection", "apiKey", "--connection-field", "accountSid=\(harness.credentials.accountSid)",
                    "--connection-field", "apiKey=\(harness.credentials.apiKeySid)", "--connection-field",
                    "apiSecret=\(harness.credentials.apiKeySecret)",
                ] + Harness.inputs(Self.send),
                withConnection: false)
            #expect(good.exitCode == 0)

            let malformed = await harness.run(
                [
                    "sendSMS", "--connection", "apiKey", "--connection-field", "accountSid=\(harness.credentials.apiKeySid)",
                    "--connection-field", "apiKey=\(harness.credentials.accountSid)", "--connection-field", "apiSecret=x",
                ] + Harness.inputs(Self.send),
                withConnection: false)
            #expect(malformed.error["kind"] == "connection")
            #expect(
                malformed.error["message"]
                    == "Connection 'apiKey' is not usable:\nField 'accountSid' (Account SID) must match the pattern ^AC[0-9a-fA-F]{32}$, but '<redacted>' does not.\nField 'apiKey' (API Key SID) must match the pattern ^SK[0-9a-fA-F]{32}$, but '<redacted>' does not.\nThe value given for 'accountSid' (Account SID) fits 'apiKey' (API Key SID): were the two swapped?\nThe value given for 'apiKey' (API Key SID) fits 'accountSid' (Account SID): were the two swapped?"
            )
        }
    }
}
