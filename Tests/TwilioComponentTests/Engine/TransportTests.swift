import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// The built `twilio-component` over the transport production takes: HTTPS with the CA that
/// `SSL_CERT_FILE` names, HTTP/2 by ALPN, through a real CONNECT proxy, and as many requests in
/// flight as `--concurrency` asks for. TLS refusals are their own error, never retried.
@Suite(.timingInsensitive) struct TransportTests {
    static let send: JSONValue = ["from": "+15005550006", "to": "+14155550100", "body": "Over TLS"]

    func invoke(_ tool: EngineTool, environment: [String: String?] = [:]) async throws -> EngineTool.Output {
        try await tool.run("invoke", ["action": "sendSMS", "inputs": Self.send, "connection": tool.authToken], environment: environment)
    }

    /// The sandbox's counters that tell attempts apart.
    struct Counts: Equatable {
        var connections: Int
        var handshakeFailures: Int
        var requests: Int

        init(connections: Int, handshakeFailures: Int, requests: Int) {
            self.connections = connections
            self.handshakeFailures = handshakeFailures
            self.requests = requests
        }

        init(_ traffic: JSONValue) {
            connections = traffic["connections"]?.intValue ?? 0
            handshakeFailures = traffic["tls"]?["failures"]?.intValue ?? 0
            requests = (traffic["requests"]?.objectValue.map(Array.init) ?? []).compactMap { $0.1.intValue }.reduce(0, +)
        }
    }

    /// What one run of `body` added to the sandbox's counters (read in-process: reading adds
    /// nothing), once they settle: the server may note a failed handshake just after the client left.
    func delta(_ tool: EngineTool, _ body: () async throws -> Void) async throws -> Counts {
        // Settled: every new connection's handshake has ended (in success or failure), and the
        // counters no longer move.
        func handshakesEnded(_ traffic: JSONValue) -> Int {
            (traffic["tls"]?["handshakes"]?.objectValue.map(Array.init) ?? []).compactMap { $0.1.intValue }.reduce(0, +)
                + (traffic["tls"]?["failures"]?.intValue ?? 0)
        }
        let beforeTraffic = try await tool.traffic()
        let before = Counts(beforeTraffic)
        try await body()
        var afterTraffic = try await tool.traffic()
        for _ in 0..<50 {
            try await Task.sleep(for: .milliseconds(100))
            let again = try await tool.traffic()
            let ended = handshakesEnded(again) - handshakesEnded(beforeTraffic) == Counts(again).connections - before.connections
            if ended, Counts(again) == Counts(afterTraffic) { break }
            afterTraffic = again
        }
        let after = Counts(afterTraffic)
        return Counts(
            connections: after.connections - before.connections, handshakeFailures: after.handshakeFailures - before.handshakeFailures,
            requests: after.requests - before.requests)
    }

    @Test func anInvokeTrustingTheCANamedBySSLCertFileSendsOverHTTP2() async throws {
        try await withEngineTool { tool in
            var sent: EngineTool.Output?
            let counts = try await delta(tool) { sent = try await invoke(tool) }
            #expect(sent?.exitCode == 0, "\(sent?.stderr ?? "")")
            #expect(sent?.envelope["data"]?["status"] == "queued")
            #expect(counts == Counts(connections: 1, handshakeFailures: 0, requests: 1))
            let traffic = try await tool.traffic()
            #expect(traffic["tls"]?["handshakes"]?.objectValue?.keys.sorted() == ["h2"])
            #expect(traffic["requests"]?.objectValue?.keys.sorted() == ["HTTP/2"])
        }
    }

    /// Without `SSL_CERT_FILE` the system's store does not know the sandbox's CA: a connection
    /// error (exit 3), not retryable, naming SSL_CERT_FILE, after one attempt.
    @Test func anUntrustedCertificateFailsOnceNamingSSLCertFile() async throws {
        try await withEngineTool { tool in
            var failed: EngineTool.Output?
            let counts = try await delta(tool) { failed = try await invoke(tool, environment: ["SSL_CERT_FILE": nil]) }
            let error = try #require(failed?.error)
            #expect(failed?.exitCode == 3)
            #expect(error["kind"] == "connection")
            #expect(error["code"] == "tls_certificate_untrusted")
            #expect(error["retryable"] == false)
            #expect(error["maybeSent"] == false)
            #expect(error["message"]?.stringValue?.contains("SSL_CERT_FILE") == true)
            #expect(error["details"]?["attempts"] == 1)
            #expect(failed?.stderr.contains("error: ") == true)
            #expect(counts == Counts(connections: 1, handshakeFailures: 1, requests: 0), "one attempt, refused in the handshake")
            #expect(try await tool.sandboxMessages().isEmpty)
        }
    }

    /// A certificate from a trusted CA, but for another host name: refused once, its own code.
    @Test func aCertificateForAnotherHostNameFailsOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-other-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let authority = try LocalCertificateAuthority()
        let identity = try authority.issue(hostNames: ["other.example"])
        let (ca, certificate, key) = (
            directory.appendingPathComponent("ca.pem").path, directory.appendingPathComponent("cert.pem").path,
            directory.appendingPathComponent("key.pem").path
        )
        try authority.certificatePEM.write(toFile: ca, atomically: true, encoding: .utf8)
        try identity.certificatePEM.write(toFile: certificate, atomically: true, encoding: .utf8)
        try identity.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        try await withEngineTool(sandbox: {
            $0.tls = SandboxTLS(identity: .files(certificate: certificate, privateKey: key, certificateAuthority: ca))
        }) { tool in
            #expect(tool.certificateAuthorityFile == ca)
            var failed: EngineTool.Output?
            let counts = try await delta(tool) { failed = try await invoke(tool) }
            let error = try #require(failed?.error)
            #expect(failed?.exitCode == 3)
            #expect(error["code"] == "tls_hostname_mismatch")
            #expect(error["retryable"] == false)
            #expect(error["message"]?.stringValue?.contains("not for 127.0.0.1") == true)
            #expect(error["message"]?.stringValue?.contains("SSL_CERT_FILE=\(ca)") == true)
            #expect(counts.connections == 1 && counts.requests == 0, "one attempt: \(counts)")
        }
    }

    /// A server that offers only TLS 1.1: refused in the handshake, its own code, once.
    @Test func aServerWithoutTLS12FailsOnce() async throws {
        try await withEngineTool(sandbox: { $0.tls = SandboxTLS(maximumVersion: .v1_1) }) { tool in
            var failed = EngineTool.Output(stdout: "", stderr: "", exitCode: -1)
            let counts = try await delta(tool) { failed = try await invoke(tool) }
            let traffic = try await tool.traffic()
            #expect(
                counts == Counts(connections: 1, handshakeFailures: 1, requests: 0), "one attempt, refused in the handshake: \(traffic)")
            #expect(failed.exitCode == 3)
            #expect(failed.error["code"] == "tls_version_unsupported")
            #expect(failed.error["retryable"] == false)
            #expect(failed.error["message"]?.stringValue?.contains("TLS 1.2 or newer") == true)
            #expect(failed.error["details"]?["attempts"] == 1)
        }
    }

    @Test func aCAFileThatCannotBeReadSaysSo() async throws {
        try await withEngineTool { tool in
            let failed = try await invoke(tool, environment: ["SSL_CERT_FILE": "/nonexistent/ca.pem"])
            #expect(failed.exitCode == 3)
            #expect(failed.error["code"] == "tls_certificate_untrusted")
            #expect(failed.error["message"]?.stringValue?.contains("SSL_CERT_FILE=/nonexistent/ca.pem") == true)
            #expect(failed.error["message"]?.stringValue?.contains("cannot be read") == true)
        }
    }

    /// `SSL_CERT_DIR` names a directory of CA certificates by their subject hash (`openssl rehash`).
    @Test func aCADirectoryNamedBySSLCertDirIsTrusted() async throws {
        try await withEngineTool { tool in
            let ca = try #require(tool.certificateAuthorityFile)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cadir-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let hash = try await ProcessRunner.run("/usr/bin/openssl", ["x509", "-hash", "-noout", "-in", ca])
            #expect(hash.exitCode == 0, "\(hash.stderr)")
            try FileManager.default.copyItem(
                atPath: ca,
                toPath: directory.appendingPathComponent(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + ".0").path)
            let sent = try await invoke(tool, environment: ["SSL_CERT_FILE": nil, "SSL_CERT_DIR": directory.path])
            #expect(sent.exitCode == 0, "\(sent.stdout)\(sent.stderr)")
        }
    }

    /// Through a real CONNECT proxy (tinyproxy): `HTTPS_PROXY` is taken, `NO_PROXY` exempts the
    /// host, a proxy that is down or refuses the tunnel is named in the error, and a refusal by
    /// the proxy's rules is not retried.
    @Test func throughAConnectProxyAsHTTPSProxyAndNoProxySay() async throws {
        try await withEngineTool { tool in
            let port = Int(tool.baseURL.split(separator: ":").last ?? "") ?? 0
            try await withTinyproxy { proxy in
                let proxied = try await invoke(tool, environment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": nil, "no_proxy": nil])
                #expect(proxied.exitCode == 0, "\(proxied.stdout)\(proxied.stderr)")
                #expect(proxy.connectRequests == ["CONNECT 127.0.0.1:\(port) HTTP/1.1"])

                let direct = try await invoke(tool, environment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"])
                #expect(direct.exitCode == 0, "\(direct.stderr)")
                #expect(proxy.connectRequests.count == 1, "NO_PROXY exempted the host")

                let lowercase = try await invoke(
                    tool, environment: ["https_proxy": proxy.url, "HTTPS_PROXY": nil, "NO_PROXY": nil, "no_proxy": nil])
                #expect(lowercase.exitCode == 0)
                #expect(proxy.connectRequests.count == 2)
            }
            // A proxy that is not running: not sent, so retried, then named in the error.
            let down = try ReservedPort()
            let unreachable = try await invoke(
                tool, environment: ["HTTPS_PROXY": "http://user:pa55word@127.0.0.1:\(down.port)", "NO_PROXY": nil])
            #expect(unreachable.exitCode == 6)
            #expect(unreachable.error["maybeSent"] == false)
            #expect(
                unreachable.error["message"]?.stringValue?.contains("through the proxy http://127.0.0.1:\(down.port) from HTTPS_PROXY")
                    == true)
            #expect(
                !unreachable.stdout.contains("pa55word") && !unreachable.stderr.contains("pa55word"), "the proxy's password is never shown")
            // A proxy whose rules refuse the tunnel (only port 443): one CONNECT, no retry.
            try await withTinyproxy(connectPorts: [443]) { proxy in
                let refused = try await invoke(tool, environment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": nil])
                #expect(refused.exitCode == 6)
                #expect(refused.error["retryable"] == false)
                #expect(refused.error["maybeSent"] == false)
                #expect(refused.error["message"]?.stringValue?.contains("CONNECT tunnel failed") == true)
                #expect(refused.error["details"]?["attempts"] == 1)
            }
            #expect(try await tool.sandboxMessages().count == 3)
        }
    }

    /// Verify and Lookup, on their own hosts in production, take the same transport when the one
    /// base URL points every host at the sandbox: HTTPS with the CA of `SSL_CERT_FILE` over
    /// HTTP/2, through the CONNECT proxy `HTTPS_PROXY` names, and refused once, not retried, when
    /// the certificate is not trusted.
    @Test func verifyAndLookupTakeTheSameTLSAndProxy() async throws {
        try await withEngineTool { tool in
            let port = Int(tool.baseURL.split(separator: ":").last ?? "") ?? 0
            func run(_ action: String, _ inputs: JSONValue, _ environment: [String: String?] = [:]) async throws -> EngineTool.Output {
                try await tool.run(
                    "invoke", ["action": .string(action), "inputs": inputs, "connection": tool.authToken], environment: environment)
            }
            var lookedUp: EngineTool.Output?
            let counts = try await delta(tool) {
                lookedUp = try await run("lookupPhoneNumber", ["phoneNumber": "+14155550100", "fields": ["line_type_intelligence"]])
            }
            #expect(lookedUp?.exitCode == 0, "\(lookedUp?.stderr ?? "")")
            #expect(lookedUp?.envelope["data"]?["valid"] == true)
            #expect(counts == Counts(connections: 1, handshakeFailures: 0, requests: 1))
            #expect(try await tool.traffic()["requests"]?.objectValue?.keys.sorted() == ["HTTP/2"])

            try await withTinyproxy { proxy in
                let created = try await run(
                    "createVerifyService", ["friendlyName": "Over the proxy"], ["HTTPS_PROXY": proxy.url, "NO_PROXY": nil, "no_proxy": nil])
                #expect(created.exitCode == 0, "\(created.stdout)\(created.stderr)")
                let service = try #require(created.envelope["data"]?["sid"]?.stringValue)
                #expect(service.hasPrefix("VA"))
                let sent = try await run(
                    "sendVerification", ["serviceSid": .string(service), "to": "+14155550100"],
                    ["HTTPS_PROXY": proxy.url, "NO_PROXY": nil, "no_proxy": nil])
                #expect(sent.exitCode == 0, "\(sent.stdout)\(sent.stderr)")
                #expect(sent.envelope["data"]?["status"] == "pending")
                #expect(proxy.connectRequests == Array(repeating: "CONNECT 127.0.0.1:\(port) HTTP/1.1", count: 2))
            }

            var refused: EngineTool.Output?
            let refusedCounts = try await delta(tool) {
                refused = try await run("lookupPhoneNumber", ["phoneNumber": "+14155550100"], ["SSL_CERT_FILE": nil])
            }
            #expect(refused?.exitCode == 3)
            #expect(refused?.error["code"] == "tls_certificate_untrusted")
            #expect(refused?.error["retryable"] == false)
            #expect(refusedCounts == Counts(connections: 1, handshakeFailures: 1, requests: 0), "one attempt, refused in the handshake")
        }
    }

    /// `serve --concurrency 200` has 200 requests in flight at once: the sandbox holds each until
    /// all 200 are held (a gather fault), so the peak is 200 however slowly a loaded machine lets
    /// them arrive, and the connections a host may get follow the concurrency (HTTP/1.1 needs one
    /// per request). A client with fewer in flight would leave them held until the fault's
    /// 60-second timeout, and a lower peak.
    @Test(arguments: SandboxTransport.allCases)
    func twoHundredInFlightAtConcurrencyTwoHundred(over transport: SandboxTransport) async throws {
        try await withEngineTool(transport: transport) { tool in
            try await tool.fault("messages.create", ["type": "gather", "count": 200, "timeoutMilliseconds": 60_000], count: 200)
            let lines =
                (1...200).map { id in
                    JSONWriter.string(from: [
                        "id": .integer(id), "action": "sendSMS", "connection": tool.authToken,
                        "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("held \(id)")],
                    ])
                }.joined(separator: "\n") + "\n"
            let output = try await ProcessRunner.run(
                EngineTool.path, ["serve", "--concurrency", "200"], environment: tool.environment, stdin: lines)
            #expect(output.exitCode == 0, "\(output.stderr.suffix(1000))")
            #expect(output.stderr.contains("answered 200 requests (0 failed, 0 unreadable)"), "\(output.stderr.suffix(1000))")
            let traffic = try await tool.traffic()
            #expect(traffic["peakInFlight"] == 200, "\(traffic)")
            print(
                "serve --concurrency 200 over \(transport.rawValue): \(traffic["peakInFlight"] ?? .null) requests in flight at once, \(traffic["connections"] ?? .null) connections"
            )
        }
    }

    /// A thousand sends in flight at once, as a worker holds them while Twilio answers, against a
    /// sandbox that answers each after a wait: every answer arrives, and each message is created
    /// once. The wait is long (2 s) so that the requests pile up even in a debug build on a
    /// loaded machine; how many were in flight at the peak is printed, not asserted.
    @Test(arguments: SandboxTransport.tls)
    func aThousandInFlightAgainstALatencySandbox(over transport: SandboxTransport) async throws {
        let count = 1000
        try await withEngineTool(transport: transport, sandbox: { $0.latency = ResponseLatency(base: .seconds(2)) }) { tool in
            let lines =
                (1...count).map { id in
                    JSONWriter.string(from: [
                        "id": .integer(id), "action": "sendSMS", "connection": tool.authToken,
                        "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("thousand \(id)")],
                    ])
                }.joined(separator: "\n") + "\n"
            let output = try await ProcessRunner.run(
                EngineTool.path, ["serve", "--concurrency", "\(count)"], environment: tool.environment, stdin: lines)
            #expect(output.exitCode == 0, "\(output.stderr.suffix(1000))")
            var sidByID: [Int: String] = [:]
            for line in output.stdout.split(separator: "\n") {
                let answer = try JSONParser.parse(String(line))
                let id = try #require(answer["id"]?.intValue)
                let sid = try #require(answer["data"]?["sid"]?.stringValue, "request \(id) failed: \(answer)")
                #expect(sidByID.updateValue(sid, forKey: id) == nil, "request \(id) answered twice")
            }
            #expect(sidByID.count == count, "every request answered")
            var created: [String: [String]] = [:]
            for message in try await tool.sandboxMessages() {
                guard let body = message["body"]?.stringValue, body.hasPrefix("thousand "), let sid = message["sid"]?.stringValue else {
                    continue
                }
                created[body, default: []].append(sid)
            }
            #expect(created.count == count && created.values.allSatisfy { $0.count == 1 }, "each message created once")
            for (id, sid) in sidByID { #expect(created["thousand \(id)"] == [sid]) }
            let traffic = try await tool.traffic()
            print(
                "serve --concurrency \(count) over \(transport.rawValue) against 2 s of latency: \(sidByID.count) answers, \(created.count) messages, peak \(traffic["peakInFlight"] ?? .null) in flight on \(traffic["connections"] ?? .null) connections"
            )
        }
    }
}
