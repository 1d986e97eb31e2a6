// The local Twilio-compatible server, as a command.
import ArgumentParser
import Foundation
import Logging
import TwilioSandbox

@main
struct TwilioSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twilio-sandbox",
        abstract:
            "Serve Twilio's Messages, Calls, Recordings, Verify and Lookup APIs locally, for trying and testing without an account.",
        discussion: """
            Prints the base URL and the test credentials it accepts, then serves until stopped \
            (Ctrl-C). Point a client at it with TWILIO_API_BASE_URL. Messages move queued → sending → \
            sent → delivered one step at a time (--step-ms), and each transition is posted to a \
            message's StatusCallback, signed with the Auth Token like Twilio's own webhooks.

            Twilio's test numbers behave as with test credentials: From +15005550001, +15005550007 \
            and +15005550008 fail (21212, 21606, 21611); To +15005550001/2/3/4/9 fail (21211, 21612, \
            21408, 21610, 21614). Any other valid number is accepted. Messages to +15005559010 end \
            undelivered (30003) and to +15005559011 failed (30008). For calls, From +15005550001 \
            fails with 21212 and To +15005550001/2/3/4 with 21217, 21214, 21215 and 21216.

            Calls move queued → ringing → in-progress → completed (or busy, no-answer, failed, \
            canceled) one step at a time, and run their TwiML (Twiml, or fetched from Url, signed): \
            Say and Play are logged, Gather waits for digits given at /__sandbox/calls/{CA}/digits, \
            Dial rings child calls, Record makes a recording (.wav and .mp3 served), Redirect, \
            Hangup and Reject. To +15005559020/21/22/23 is busy, no-answer, failed and an answering \
            machine. GET /__sandbox/calls/{CA} says what a call did; POST /__sandbox/calls/inbound \
            rings one of the sandbox's numbers and answers with the TwiML its voice URL returns. \
            On SIGTERM, calls still running get --call-grace-ms to end before they are stopped.

            Every product is served at Twilio's own paths on this one address (/2010-04-01/..., \
            Verify's /v2/Services/..., Lookup's /v2/PhoneNumbers/...), so one base URL points a \
            client's every Twilio host here. Verify sends no message: the codes it would have sent \
            are shown only by GET /__sandbox/verifications?to=..., never in the API's answers, and \
            are kept encrypted in --state. Lookup answers Twilio's documented examples as \
            documented and every other number the same way each time. Message media, redaction and \
            the account's incoming numbers (+15005550006, +15017122661; their webhook URLs can be \
            set) are served too.

            With --tls it serves HTTPS, HTTP/2 and HTTP/1.1 by ALPN (HTTP/1.1 only with \
            --no-http2), with a certificate for localhost, 127.0.0.1 and ::1 from a CA it makes \
            at start (or --tls-cert/--tls-key/--tls-ca files); it prints SSL_CERT_FILE, the CA \
            file clients must trust, beside the TWILIO_* lines. Webhooks to https:// receivers \
            trust the CAs that SSL_CERT_FILE/SSL_CERT_DIR name in its own environment (or the \
            system's), and take HTTPS_PROXY/NO_PROXY.

            With --latency-ms every API request is answered after that wait (± --jitter-ms), as \
            Twilio's are over a network, without holding a thread: thousands can wait at once, \
            so a client's concurrency can be measured against what it would meet in production.

            With --clock-offset-ms the sandbox's clock runs that far ahead of the machine's \
            (behind when negative): message dates, the lifecycle, SendAt checks and every \
            response's Date header follow it, as Twilio's clock may disagree with a client's.

            Control endpoints under /__sandbox/ script faults (429, 500/503, delays, requests \
            held past a client's timeout, dropped connections, refused HTTP/2 streams, GOAWAY), \
            set the clock's offset, deliver inbound messages, list messages, webhooks and \
            traffic (connections, TLS handshakes, requests in flight), and reset.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 8025

    @Option(
        name: .customLong("state"),
        help: ArgumentHelp("Keep messages in this file, and calls and recordings in <file>.voice.json, between runs.", valueName: "file"))
    var stateFile: String?

    @Flag(
        name: .customLong("reset-state"),
        help: "Start from empty state: removes the state file and the calls, recordings and Verify records kept beside it.")
    var resetState = false

    @Option(name: .customLong("step-ms"), help: "Milliseconds per lifecycle step (0: delivered at once).")
    var stepMilliseconds = 1000

    @Option(
        name: .customLong("call-grace-ms"),
        help: "On SIGINT or SIGTERM, milliseconds calls still running may take to end before they are stopped (and read back failed).")
    var callGraceMilliseconds = 0

    @Option(
        name: .customLong("latency-ms"),
        help: ArgumentHelp(
            "Answer every API request after this many milliseconds, as Twilio does over a network (about 200); 0 answers at once.",
            valueName: "ms"))
    var latencyMilliseconds = 0

    @Option(
        name: .customLong("jitter-ms"),
        help: ArgumentHelp("Vary --latency-ms by up to this many milliseconds either way.", valueName: "ms"))
    var jitterMilliseconds = 0

    // Unconditional, so that a negative offset (-10000) is read as the value, not as an option.
    @Option(
        name: .customLong("clock-offset-ms"), parsing: .unconditional,
        help: ArgumentHelp(
            "Run the sandbox's clock this many milliseconds ahead of the machine's (negative: behind), for dates and Date headers.",
            valueName: "ms"))
    var clockOffsetMilliseconds = 0

    @Flag(help: "Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with a certificate from a CA made at start.")
    var tls = false

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve HTTPS with this certificate (PEM; implies --tls).", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The private key of --tls-cert (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(
        name: .customLong("tls-ca"),
        help: ArgumentHelp("The CA certificate clients should trust, printed as SSL_CERT_FILE.", valueName: "file"))
    var tlsCertificateAuthority: String?

    @Flag(name: .customLong("no-http2"), help: "Over TLS, offer HTTP/1.1 only.")
    var noHTTP2 = false

    @Option(
        name: .customLong("tls-max-version"),
        help: ArgumentHelp("The newest TLS version offered (1.0-1.3), to see how clients refuse an outdated server.", valueName: "version"))
    var tlsMaximumVersion: String?

    @Flag(help: "Log every request.")
    var verbose = false

    func validate() throws {
        if latencyMilliseconds < 0 || jitterMilliseconds < 0 {
            throw ValidationError("--latency-ms and --jitter-ms are waits: give 0 or more milliseconds.")
        }
        let limit = SandboxConfiguration.maximumClockOffset
        if !(.zero - limit...limit).contains(.milliseconds(clockOffsetMilliseconds)) {
            throw ValidationError("--clock-offset-ms is at most ten years (\(Int(limit / .milliseconds(1))) ms) either way.")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together: give both.") }
        if tlsCertificateAuthority != nil, tlsCertificate == nil { throw ValidationError("--tls-ca needs --tls-cert and --tls-key.") }
        if let tlsMaximumVersion, SandboxTLS.Version(rawValue: tlsMaximumVersion) == nil {
            throw ValidationError(
                "--tls-max-version must be one of \(SandboxTLS.Version.allCases.map(\.rawValue).joined(separator: ", ")), not '\(tlsMaximumVersion)'."
            )
        }
    }

    /// The TLS the options ask for; `nil` for plain HTTP.
    var tlsConfiguration: SandboxTLS? {
        guard tls || tlsCertificate != nil || noHTTP2 || tlsMaximumVersion != nil else { return nil }
        let identity: SandboxTLS.Identity =
            if let tlsCertificate, let tlsKey {
                .files(certificate: tlsCertificate, privateKey: tlsKey, certificateAuthority: tlsCertificateAuthority)
            } else {
                .generated
            }
        return SandboxTLS(identity: identity, http2: !noHTTP2, maximumVersion: tlsMaximumVersion.flatMap(SandboxTLS.Version.init))
    }

    func run() async throws {
        if resetState, let stateFile { TwilioSandbox.removeState(stateFile: stateFile) }
        let sandbox: RunningSandbox
        do {
            sandbox = try await TwilioSandbox.start(
                SandboxConfiguration(
                    host: host, port: port, stateFile: stateFile, lifecycleStep: .milliseconds(stepMilliseconds),
                    logLevel: verbose ? .debug : .warning, tls: tlsConfiguration,
                    webhookClient: WebhookClientSettings(environment: ProcessInfo.processInfo.environment),
                    latency: ResponseLatency(base: .milliseconds(latencyMilliseconds), jitter: .milliseconds(jitterMilliseconds)),
                    clockOffset: .milliseconds(clockOffsetMilliseconds)))
        } catch let error as SandboxStateError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(65)
        } catch let error as SandboxTLSError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(64)
        }
        // Serve until SIGINT or SIGTERM, then stop the server cleanly. Set up before the banner, which
        // is what tells a parent it may signal.
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        let credentials = sandbox.credentials
        FileHandle.standardOutput.write(
            Data(
                """
                Twilio sandbox listening on \(sandbox.baseURL)
                  TWILIO_API_BASE_URL=\(sandbox.baseURL)
                  TWILIO_ACCOUNT_SID=\(credentials.accountSid)
                  TWILIO_AUTH_TOKEN=\(credentials.authToken)
                  TWILIO_API_KEY=\(credentials.apiKeySid)
                  TWILIO_API_SECRET=\(credentials.apiKeySecret)
                \(sandbox.certificateAuthorityFile.map { "  SSL_CERT_FILE=\($0)\n" } ?? "")
                """.utf8))
        for await _ in signals { break }
        for source in sources { source.cancel() }
        await sandbox.stop(callGrace: .milliseconds(max(0, callGraceMilliseconds)))
    }
}
