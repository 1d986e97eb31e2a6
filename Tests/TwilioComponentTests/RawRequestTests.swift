import ComponentCore
import ComponentRuntime
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

@testable import TwilioComponent

/// rawRequest end to end: against the sandbox, and against a recording test server (to see the
/// exact request libcurl sent).
@Suite(.timingInsensitive) struct RawRequestTests {
    @Test(arguments: SandboxTransport.tls)
    func reachesTwilioEndpointsWithTheConnectionsCredentials(over transport: SandboxTransport) async throws {
        try await withHarness(transport: transport) { harness throws in
            let created = await harness.run([
                "rawRequest", "--input", "method=POST", "--input", "url=/Accounts/$TWILIO_ACCOUNT_SID/Messages.json",
                "--input", "data=To=%2B14155550100&From=%2B15005550006&Body=Raw+hello",
            ])
            #expect(created.exitCode == 0, "\(created.stderr)")
            #expect(created.data["body"] == "Raw hello")  // Twilio's own snake_case shape
            #expect(created.data["account_sid"] == .string(harness.credentials.accountSid))

            let listed = await harness.run([
                "rawRequest", "--input", "method=get", "--input", "url=/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID/Messages.json",
                "--input", "queryParams=To=+14155550100\nPageSize=5",
            ])
            #expect(listed.data["page_size"] == 5)
            #expect(listed.data["messages"]?.arrayValue?.count == 1)

            let text = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=Accounts/$TWILIO_ACCOUNT_SID.json", "--input", "responseType=text",
            ])
            #expect(text.data.stringValue?.hasPrefix("{\"date_created\"") == true)

            let absolute = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=\(harness.baseURL)/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID.json",
            ])
            #expect(absolute.data["status"] == "active")

            let notFound = await harness.run([
                "rawRequest", "--input", "method=GET", "--input",
                "url=/Accounts/$TWILIO_ACCOUNT_SID/Messages/SM\(String(repeating: "0", count: 32)).json",
            ])
            #expect(notFound.error["kind"] == "upstream")
            #expect(notFound.error["code"] == 20404)
            #expect(try await harness.protocolsSeen().requests == [transport.httpVersion])
        }
    }

    /// Absolute URLs anywhere but the known products' https hosts (or the run's override) are
    /// refused before any request: the recorder standing in for Twilio sees nothing.
    @Test(arguments: [
        "https://example.com/2010-04-01/Accounts", "http://api.twilio.com/2010-04-01/Accounts.json", "//evil.test/steal",
        "https://twilio.com.evil.test/x", "ftp://api.twilio.com/x", "https://evil.twilio.com/v2/Services",
        "https://studio.twilio.com/v2/Flows", "https://twilio.com.evil.net/x", "https://api.twilio.com@evil.net/x",
        "https://api.twilio.com:8443/x", "http://verify.twilio.com/v2/Services", "https://lookups.twilio.com.evil.net/v2/PhoneNumbers/x",
    ])
    func refusesAbsoluteURLsToOtherHosts(url: String) async throws {
        try await withRecorder { harness, server in
            let output = await harness.run(["rawRequest", "--input", "method=GET", "--input", "url=\(url)"])
            #expect(output.exitCode == 2)
            #expect(output.error["input"] == "url")
            let message = output.error["message"]?.stringValue ?? ""
            #expect(message.hasPrefix("Input 'url' (URL) points to "), "\(message)")
            #expect(
                message.contains(
                    "which is not one of the Twilio hosts this component sends its credentials to: rawRequest sends only to https://api.twilio.com, https://verify.twilio.com and https://lookups.twilio.com (or their {edge}.{region} hosts), or to the run's base URL."
                ), "\(message)")
            #expect(server.requests.isEmpty)
        }
    }

    /// The host lock itself: the products' hosts (with or without `{edge}.{region}`) and the run's
    /// override pass unchanged; paths go to the API's base.
    @Test func locksAbsoluteURLsToTheProductsHostsAndTheOverride() throws {
        let account = "AC" + String(repeating: "a", count: 32)
        func resolve(_ url: String, override: String? = nil) throws -> String {
            try RawRequest.resolve(url, accountSid: account, apiBaseURL: "https://api.dublin.ie1.twilio.com", override: override)
        }
        for url in [
            "https://api.twilio.com/2010-04-01/Accounts.json", "https://verify.twilio.com/v2/Services",
            "https://lookups.twilio.com/v2/PhoneNumbers/+14155550100", "https://verify.ashburn.us1.twilio.com/v2/Services",
            "https://LOOKUPS.dublin.ie1.twilio.com/v2/PhoneNumbers/x", "https://api.sydney.au1.twilio.com/x",
            "https://api.twilio.com:443/x",
        ] {
            #expect(try resolve(url) == url)
        }
        // Scheme-relative is https, in full: ServiceClient takes anything starting with `/` for a path.
        #expect(try resolve("//verify.twilio.com/v2/Services") == "https://verify.twilio.com/v2/Services")
        // Rebuilt from curl's reading: the port as curl reads it, no fragment.
        #expect(try resolve("https://api.twilio.com:0443/x?a=1#@evil.net") == "https://api.twilio.com:443/x?a=1")
        #expect(
            try resolve("/Accounts/$TWILIO_ACCOUNT_SID.json") == "https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/\(account).json")
        #expect(try resolve("http://127.0.0.1:9/v2/Services", override: "http://127.0.0.1:9") == "http://127.0.0.1:9/v2/Services")
        // An override with a path of its own: a URL already on it keeps its path as given.
        #expect(
            try resolve("http://127.0.0.1:9/twilio/2010-04-01/Accounts.json", override: "http://127.0.0.1:9/twilio")
                == "http://127.0.0.1:9/twilio/2010-04-01/Accounts.json")
        // Verify is served only in US1, Lookup in US1 and IE1: their hosts elsewhere do not exist.
        for url in ["https://verify.dublin.ie1.twilio.com/v2/Services", "https://lookups.sydney.au1.twilio.com/v2/PhoneNumbers/x"] {
            let error = #expect(throws: ComponentError.self, "\(url)") { try resolve(url) }
            #expect(error?.message.contains("so that host does not exist") == true, "\(error?.message ?? "")")
            #expect(error?.input == "url")
        }
        let lookup = #expect(throws: ComponentError.self) { try resolve("https://lookups.sydney.au1.twilio.com/v2/PhoneNumbers/x") }
        #expect(
            lookup?.message.contains("use https://lookups.twilio.com (US1) or https://lookups.dublin.ie1.twilio.com (IE1) instead") == true)
        // With the run's base URL set too: the override stands in for Twilio, region and all.
        #expect(throws: ComponentError.self) {
            try resolve("https://verify.dublin.ie1.twilio.com/v2/Services", override: "http://127.0.0.1:9")
        }
        for refused in [
            ("http://127.0.0.1:10/v2/Services", "http://127.0.0.1:9"), ("https://127.0.0.1:9/x", "http://127.0.0.1:9"),
            ("http://user@127.0.0.1:9/x", "http://127.0.0.1:9"), ("https://evil.twilio.com/x", nil),
            ("https://api.ie1.twilio.com/x", nil), ("https://api.twilio.com@evil.net/x", nil),
            // Authorities another parser could map to a product's host: refused, whatever curl makes of them.
            ("https://ａpi.twilio.com/x", nil), ("https://api%2etwilio.com/x", nil), ("https://api.twilio%2ecom/x", nil),
            ("https://api.twilio.com\\@evil.net/x", nil), ("https://evil.net\\.api.twilio.com/x", nil),
            ("https://evil.net#@api.twilio.com/x", nil), ("https://evil.net?@api.twilio.com/x", nil),
            ("https://api.twilio.com./x", nil), ("//evil.net/x", nil), ("https://api.twilio.com:0/x", nil),
            ("https://ａpi.twilio.com/x", "http://127.0.0.1:9"), ("http://127.0.0.1%3a9/x", "http://127.0.0.1:9"),
        ] {
            #expect(throws: ComponentError.self, "\(refused)") { try resolve(refused.0, override: refused.1) }
        }
    }

    /// With the run's base URL set (a sandbox, a proxy), a product's full URL goes there, path and
    /// query kept: the override stands for every Twilio host, so rawRequest reaches its Verify and
    /// Lookup too, and never the real Twilio.
    @Test func movesProductURLsOntoTheOverride() throws {
        let account = "AC" + String(repeating: "a", count: 32)
        func resolve(_ url: String) throws -> String {
            try RawRequest.resolve(url, accountSid: account, apiBaseURL: "http://127.0.0.1:9", override: "http://127.0.0.1:9/")
        }
        #expect(try resolve("https://verify.twilio.com/v2/Services?PageSize=1") == "http://127.0.0.1:9/v2/Services?PageSize=1")
        #expect(
            try resolve("https://lookups.dublin.ie1.twilio.com/v2/PhoneNumbers/%2B1415") == "http://127.0.0.1:9/v2/PhoneNumbers/%2B1415")
        #expect(
            try resolve("//api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID.json")
                == "http://127.0.0.1:9/2010-04-01/Accounts/\(account).json")
        #expect(try resolve("http://127.0.0.1:9/v2/Services#frag") == "http://127.0.0.1:9/v2/Services")
    }

    /// End to end: full Verify, Lookup and scheme-relative API URLs arrive at the run's base URL.
    @Test func fullTwilioURLsReachTheRunsBaseURL() async throws {
        try await withRecorder { harness, server in
            let service = "VA" + String(repeating: "a", count: 32)
            for (url, target) in [
                ("https://verify.twilio.com/v2/Services/\(service)?PageSize=1", "/v2/Services/\(service)?PageSize=1"),
                ("https://lookups.twilio.com/v2/PhoneNumbers/%2B14155550100", "/v2/PhoneNumbers/%2B14155550100"),
                (
                    "//api.twilio.com/2010-04-01/Accounts/$TWILIO_ACCOUNT_SID.json",
                    "/2010-04-01/Accounts/\(SandboxCredentials.default.accountSid).json"
                ),
            ] {
                let output = await harness.run(["rawRequest", "--input", "method=GET", "--input", "url=\(url)"])
                #expect(output.exitCode == 0, "\(url): \(output.stdout)")
                #expect(server.requests.last?.target == target, "\(url)")
            }
            #expect(server.requests.count == 3)
        }
    }

    @Test func refusesDataTogetherWithFormData() async throws {
        try await withHarness { harness throws in
            let output = await harness.run([
                "rawRequest", "--input", "method=POST", "--input", "url=/x", "--input", "data=a=b", "--input", "formData=k=v",
            ])
            #expect(output.error["input"] == "data")
            #expect(
                output.error["message"]
                    == "Input 'data' (Data) cannot be combined with Form Data or File Data: a request has one body. Send the fields as Form Data, or the whole body as Data."
            )
            let method = await harness.run(["rawRequest", "--input", "method=FETCH", "--input", "url=/x"])
            #expect(method.error["input"] == "method")
            let header = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=/x", "--input-json",
                #"headers=[{"key": "X-Fine", "value": "1"}, {"key": "Bad Name", "value": "2"}]"#,
            ])
            #expect(header.error["input"] == "headers")
            #expect(header.error["message"]?.stringValue?.contains("cannot be a header: 'Bad Name'") == true, "\(header.stdout)")
        }
    }

    /// A server standing in for Twilio at the base URL, recording what arrives.
    func withRecorder<T>(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action = { _ in .json(200, #"{"ok": true}"#) },
        _ body: (Harness, TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await withTestServer(handler: handler) { server in
            try await body(
                Harness(endpoint: SandboxEndpoint(baseURL: server.baseURL, credentials: .default, certificateAuthorityFile: nil)), server)
        }
    }

    @Test func sendsMultipartFormAndFileDataFieldByField() async throws {
        try await withRecorder { harness, server in
            let output = await harness.run([
                "rawRequest", "--input", "method=POST", "--input", "url=/Upload",
                "--input-json", #"formData=[{"key": "Example Key", "value": "Hello World"}]"#,
                "--input-json", #"fileData=[{"key": "example", "value": "My File Contents"}, {"key": "report", "value": "{\"a\": 1}"}]"#,
                "--input-json", #"fileDataFileNames=[{"key": "example", "value": "example.txt"}, {"key": "report", "value": "r.json"}]"#,
            ])
            #expect(output.exitCode == 0, "\(output.stderr)")
            let request = try #require(server.requests.last)
            #expect(request.target == "/2010-04-01/Upload")
            #expect(
                request.header("Authorization") == "Basic "
                    + Data("\(SandboxCredentials.default.accountSid):\(SandboxCredentials.default.authToken)".utf8).base64EncodedString())
            let body = String(decoding: request.body, as: UTF8.self)
            #expect(request.header("Content-Type")?.hasPrefix("multipart/form-data; boundary=") == true)
            #expect(body.contains("Content-Disposition: form-data; name=\"Example Key\"\r\n\r\nHello World\r\n"))
            #expect(
                body.contains(
                    "Content-Disposition: form-data; name=\"example\"; filename=\"example.txt\"\r\nContent-Type: text/plain\r\n\r\nMy File Contents\r\n"
                ))
            #expect(
                body.contains(
                    "Content-Disposition: form-data; name=\"report\"; filename=\"r.json\"\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}\r\n"
                ))
        }
    }

    @Test func sendsDataHeadersAndQueryAsGiven() async throws {
        try await withRecorder { harness, server in
            _ = await harness.run([
                "rawRequest", "--input", "method=PUT", "--input", "url=/Items?x=1",
                "--input-json", #"data={"z": 1, "a": [true]}"#, "--input", "headers=X-Trace: abc\nAuthorization: Bearer stolen",
                "--input", "queryParams=a=1\na=2",
            ])
            let put = try #require(server.requests.last)
            #expect(put.method == "PUT")
            #expect(put.target == "/2010-04-01/Items?x=1&a=1&a=2")
            #expect(put.header("Content-Type") == "application/json")
            #expect(String(decoding: put.body, as: UTF8.self) == #"{"z":1,"a":[true]}"#)
            #expect(put.header("X-Trace") == "abc")
            #expect(put.header("Authorization")?.hasPrefix("Basic ") == true, "the connection's credentials win")

            _ = await harness.run(["rawRequest", "--input", "method=POST", "--input", "url=/Form", "--input", "data=To=%2B1&Body=hi"])
            let form = try #require(server.requests.last)
            #expect(form.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(String(decoding: form.body, as: UTF8.self) == "To=%2B1&Body=hi")

            _ = await harness.run([
                "rawRequest", "--input", "method=POST", "--input", "url=/Text", "--input", "data=plain", "--input",
                "headers=Content-Type=text/plain",
            ])
            #expect(server.requests.last?.header("Content-Type") == "text/plain")
        }
    }

    @Test func returnsBinaryAsBase64() async throws {
        let bytes = Data([0, 1, 2, 250, 255])
        try await withRecorder({ _ in .respond(status: 200, headers: [("Content-Type", "image/png")], body: bytes) }) { harness, _ in
            let output = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=/Media/ME1", "--input", "responseType=binary",
            ])
            #expect(output.data == ["contentType": "image/png", "encoding": "base64", "data": .string(bytes.base64EncodedString())])
        }
    }

    @Test func retriesAsTheRetryInputsSay() async throws {
        let calls = Atomic<Int>(0)
        try await withRecorder({ _ in
            calls.add(1, ordering: .relaxed).oldValue < 2
                ? .json(503, #"{"code": 20503, "message": "busy", "status": 503}"#) : .json(200, "{}")
        }) { harness, server in
            let none = await harness.run(["rawRequest", "--input", "method=GET", "--input", "url=/R"])
            #expect(none.exitCode == 4)
            #expect(none.error["code"] == 20503)
            #expect(server.requests.count == 1, "Max Retry Count defaults to 0")
            let retried = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=/R", "--input", "maxRetries=3", "--input", "retryDelayMS=50",
            ])
            #expect(retried.exitCode == 0)
            #expect(server.requests.count == 3)
            let gap = server.requests[2].receivedAt - server.requests[1].receivedAt
            #expect(gap >= .milliseconds(50))
        }
        try await withRecorder({ _ in .json(400, #"{"code": 21211, "message": "bad", "status": 400}"#) }) { harness, server in
            let post = await harness.run(["rawRequest", "--input", "method=POST", "--input", "url=/R", "--input", "maxRetries=2"])
            #expect(post.error["code"] == 21211)
            #expect(server.requests.count == 1, "a 400 is not retried by default")
            _ = await harness.run([
                "rawRequest", "--input", "method=POST", "--input", "url=/R", "--input", "maxRetries=2", "--input", "retryAllErrors=true",
            ])
            #expect(server.requests.count == 4, "Retry On All Errors retries the 400")
        }
    }

    @Test func exponentialBackoffIgnoresRetryDelay() async throws {
        try await withRecorder({ _ in .json(503, "{}") }) { harness, server in
            let clock = ContinuousClock()
            let started = clock.now
            _ = await harness.run([
                "rawRequest", "--input", "method=GET", "--input", "url=/R", "--input", "maxRetries=1",
                "--input", "retryDelayMS=5000", "--input", "useExponentialBackoff=true",
            ])
            let gap = server.requests[1].receivedAt - server.requests[0].receivedAt
            // The component's own backoff (the manifest's retry: 200 ms, jittered to 100–200 ms) when
            // the machine is idle; the bound only has to tell it from the 5 s asked for, with room
            // for a loaded machine.
            #expect(gap >= .milliseconds(100) && gap < .milliseconds(4000), "the manifest's backoff (100–200 ms), not 5 s")
            #expect(clock.now - started < .milliseconds(4500))
        }
    }

    @Test(.timingSensitive) func timesOutAsTheTimeoutInputSays() async throws {
        try await withRecorder({ _ in .delay(.seconds(5), then: .json(200, "{}")) }) { harness, _ in
            let clock = ContinuousClock()
            let started = clock.now
            let output = await harness.run(["rawRequest", "--input", "method=GET", "--input", "url=/Slow", "--input", "timeout=500"])
            #expect(output.exitCode == 5)
            #expect(output.error["kind"] == "timeout")
            #expect(clock.now - started < .seconds(2))
        }
    }
}
