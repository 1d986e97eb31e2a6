import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import TwilioSandbox

/// The sandbox's own HTTP pieces, which it keeps apart from the component's so that the two check
/// each other: form and query decoding, percent-encoding, Twilio's dates, the webhook client's
/// settings, and webhooks through a real proxy.
@Suite(.timingInsensitive) struct SandboxOwnHTTPTests {
    @Test func decodesFormsInOrderWithRepeatsPlusAndEscapes() {
        let fields = URLEncodedForm.fields("To=%2B1%20415&MediaUrl=a&MediaUrl=b&Body=Hi+there%21&Empty=&Bare&&caf%C3%A9=%E2%9C%93".utf8)
        #expect(fields.map(\.0) == ["To", "MediaUrl", "MediaUrl", "Body", "Empty", "Bare", "café"])
        #expect(fields.map(\.1) == ["+1 415", "a", "b", "Hi there!", "", "", "✓"])
        #expect(URLEncodedForm.fields("".utf8).isEmpty)
        #expect(URLEncodedForm.fields("a=b=c".utf8).map(\.1) == ["b=c"])
    }

    @Test func readsMalformedEscapesAndBadUTF8Leniently() {
        // A `%` without two hex digits stays as written; bytes that are not UTF-8 become U+FFFD.
        let fields = URLEncodedForm.fields("Body=100%&A=%zz&B=%4&C=%FF%FE&D=%41%42".utf8)
        #expect(fields.map(\.1) == ["100%", "%zz", "%4", "\u{FFFD}\u{FFFD}", "AB"])
        #expect(URLEncodedForm.fields([UInt8(ascii: "x"), UInt8(ascii: "="), 0xC3]).first?.1 == "\u{FFFD}")
    }

    @Test func percentEncodesQueryValuesAndFormBodies() {
        #expect(URLEncodedForm.percentEncode("+1 555") == "%2B1%20555")
        #expect(URLEncodedForm.percentEncode("DateSent>") == "DateSent%3E")
        #expect(URLEncodedForm.percentEncode("A-z_0.9~") == "A-z_0.9~")
        #expect(URLEncodedForm.percentEncode("é/&=") == "%C3%A9%2F%26%3D")
        let body = URLEncodedForm.encode([("Body", "Hi there & bye"), ("To", "+1"), ("Body", "2")])
        #expect(body == "Body=Hi+there+%26+bye&To=%2B1&Body=2")
        #expect(URLEncodedForm.fields(body.utf8).map { "\($0.0)=\($0.1)" } == ["Body=Hi there & bye", "To=+1", "Body=2"])
    }

    @Test func readsTwilioAndHTTPDates() {
        let instant = 784_111_777.0  // Sun, 06 Nov 1994 08:49:37 GMT
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 +0000", "06 Nov 1994 08:49:37 UTC", "Sun, 6 nov 1994 08:49:37 Z",
            "Sun, 06 Nov 1994 00:49:37 -0800", "Sun, 06 Nov 1994 10:19:37 +0130",
        ] {
            #expect(TwilioDate.date(from: text)?.timeIntervalSince1970 == instant, "\(text)")
        }
        #expect(TwilioDate.date(from: "Sun, 06 Nov 1994 08:49 GMT")?.timeIntervalSince1970 == instant - 37)
        #expect(TwilioDate.string(fromUnixSeconds: instant) == "Sun, 06 Nov 1994 08:49:37 +0000")
        let now = Double(Int(Date().timeIntervalSince1970))
        #expect(TwilioDate.date(from: TwilioDate.string(fromUnixSeconds: now))?.timeIntervalSince1970 == now)
    }

    @Test func refusesDatesThatDoNotExistOrAreMisspelt() {
        for text in [
            "Mon, 06 Nov 1994 08:49:37 GMT",  // 6 Nov 1994 was a Sunday
            "Tue, 31 Feb 2023 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 08:49:37 +2500",
            "Sunday, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Novem 1994 08:49:37 GMT", "1994-11-06T08:49:37Z", "", "Sun,",
        ] {
            #expect(TwilioDate.date(from: text) == nil, "\(text)")
        }
    }

    @Test func listFiltersTakeRFC2822Dates() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            _ = try await client.create([("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hi")])
            let after = try await client.send(.get, client.messagesPath, query: [("DateSent>", "Sun, 06 Nov 1994 08:49:37 GMT")])
            #expect(after.status == 200)
            #expect(try client.json(after)["messages"]?.arrayValue?.count == 1)
            #expect(
                try client.json(after)["uri"]?.stringValue?.contains("DateSent%3E=Sun%2C%2006%20Nov%201994%2008%3A49%3A37%20GMT") == true)
            let wrongDay = try await client.send(.get, client.messagesPath, query: [("DateSent>", "Mon, 06 Nov 1994 08:49:37 GMT")])
            #expect(wrongDay.status == 400)
        }
    }

    @Test func readsTrustAndProxiesFromTheEnvironment() {
        let settings = WebhookClientSettings(environment: [
            "SSL_CERT_FILE": "/ca.pem", "SSL_CERT_DIR": "", "HTTPS_PROXY": " http://p:1 ", "ALL_PROXY": "http://all:2",
            "NO_PROXY": "localhost, .internal.example,[::1]", "no_proxy": "",
        ])
        #expect(settings.certificateFile == "/ca.pem")
        #expect(settings.certificateDirectory == nil)
        #expect(settings.proxy.https == WebhookProxySettings.Proxy(url: "http://p:1", source: "HTTPS_PROXY"))
        #expect(settings.proxy.http == WebhookProxySettings.Proxy(url: "http://all:2", source: "ALL_PROXY"))
        #expect(settings.proxy.exempt == ["localhost", ".internal.example", "[::1]"])
        #expect(WebhookProxySettings(environment: ["HTTP_PROXY": "http://cgi:1"]).http == nil, "upper-case HTTP_PROXY is not taken")
        #expect(WebhookClientSettings(environment: [:]) == WebhookClientSettings())
    }

    @Test func noProxyExemptsHostsSubdomainsAndEverything() {
        let proxy = WebhookProxySettings.Proxy(url: "http://p:1", source: "HTTPS_PROXY")
        let settings = WebhookProxySettings(https: proxy, exempt: ["example.com", ".internal", "[::1]"])
        #expect(settings.proxy(for: "https://hooks.example.net/x") == proxy)
        #expect(settings.proxy(for: "http://hooks.example.net/x") == nil, "no proxy for http:// was named")
        #expect(settings.proxy(for: "https://EXAMPLE.com:8443/x") == nil)
        #expect(settings.proxy(for: "https://api.example.com/x") == nil)
        #expect(settings.proxy(for: "https://notexample.com/x") == proxy)
        #expect(settings.proxy(for: "https://a.b.internal/x") == nil)
        #expect(settings.proxy(for: "https://user:pw@[::1]:8443/x") == nil)
        #expect(WebhookProxySettings(https: proxy, exempt: ["*"]).proxy(for: "https://anything.example/") == nil)
    }

    /// Through a real CONNECT proxy (tinyproxy): `http_proxy` is taken, `NO_PROXY` exempts the
    /// receiver, and a proxy the client cannot use is named in the delivery's error.
    @Test func webhooksGoThroughTheProxyUnlessExempt() async throws {
        try await withTestServer(handler: { _ in .respond(status: 200, body: Data("<Response/>".utf8)) }) { receiver in
            try await withTinyproxy { proxy in
                let inbound: JSONValue = [
                    "from": "+14155550100", "to": "+15005550006", "body": "Hi", "url": .string(receiver.baseURL + "/sms"),
                ]
                let proxied = WebhookClientSettings(environment: ["http_proxy": proxy.url])
                try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, webhookClient: proxied)) { baseURL, credentials in
                    let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                    let delivery = try client.json(try await client.control(.post, "inbound", json: inbound))["delivery"]
                    #expect(delivery?["status"] == 200, "\(delivery ?? .null)")
                }
                let port = try #require(URL(string: receiver.baseURL)?.port)
                #expect(proxy.connectRequests == ["CONNECT 127.0.0.1:\(port) HTTP/1.1"])

                let exempt = WebhookClientSettings(environment: ["http_proxy": proxy.url, "NO_PROXY": "127.0.0.1"])
                try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, webhookClient: exempt)) { baseURL, credentials in
                    let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                    let delivery = try client.json(try await client.control(.post, "inbound", json: inbound))["delivery"]
                    #expect(delivery?["status"] == 200)
                }
                #expect(proxy.connectRequests.count == 1, "NO_PROXY exempted the receiver")

                let socks = WebhookClientSettings(environment: ["all_proxy": "socks5://user:s3cret@127.0.0.1:1080"])
                try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, webhookClient: socks)) { baseURL, credentials in
                    let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                    let delivery = try client.json(try await client.control(.post, "inbound", json: inbound))["delivery"]
                    let error = delivery?["error"]?.stringValue ?? ""
                    #expect(error.contains("all_proxy") && error.contains("http://host:port"), "\(error)")
                    #expect(!error.contains("s3cret"), "the proxy's password is never shown")
                    #expect(delivery?["attempts"] == 0)
                }
            }
        }
    }

    /// Webhooks to an HTTPS receiver (here a second sandbox serving HTTP/2 with a CA of its own)
    /// trust the CA file or the hashed CA directory named, and fail TLS, saying what to set, when
    /// the receiver's CA is not trusted.
    @Test func httpsWebhooksTrustTheCAFileOrDirectoryNamed() async throws {
        try await withRunningSandbox(SandboxConfiguration(lifecycleStep: .zero, tls: SandboxTLS(http2: true))) { receiver in
            let ca = try #require(receiver.certificateAuthorityFile)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-ca-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try FileManager.default.copyItem(atPath: ca, toPath: directory.appendingPathComponent("ca.pem").path)
            let rehash = try await ProcessRunner.run("/usr/bin/openssl", ["rehash", directory.path])
            #expect(rehash.exitCode == 0, "\(rehash.stderr)")
            // POST /__sandbox/traffic/reset answers 204.
            let inbound: JSONValue = [
                "from": "+14155550100", "to": "+15005550006", "body": "Hi", "url": .string(receiver.baseURL + "/__sandbox/traffic/reset"),
            ]
            for trust in [WebhookClientSettings(certificateFile: ca), WebhookClientSettings(certificateDirectory: directory.path)] {
                try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, webhookClient: trust)) { baseURL, credentials in
                    let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                    let delivery = try client.json(try await client.control(.post, "inbound", json: inbound))["delivery"]
                    #expect(delivery?["status"] == 204, "\(trust): \(delivery ?? .null)")
                    #expect(delivery?["attempts"] == 1)
                }
            }
            try await withSandbox(SandboxConfiguration(lifecycleStep: .zero)) { baseURL, credentials in
                let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                let delivery = try client.json(try await client.control(.post, "inbound", json: inbound))["delivery"]
                #expect(delivery?["status"] == .null)
                #expect(delivery?["attempts"] == 2)
                let error = delivery?["error"]?.stringValue ?? ""
                #expect(error.contains("TLS") && error.contains("SSL_CERT_FILE"), "\(error)")
            }
        }
    }
}
