// The local Twilio-compatible server, as a command.
import ArgumentParser
import Foundation
import Logging
import TwilioSandbox

@main
struct TwilioSandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twilio-sandbox",
        abstract: "Serve Twilio's Messages API locally, for trying and testing without an account.",
        discussion: """
            Prints the base URL and the test credentials it accepts, then serves until stopped \
            (Ctrl-C). Point a client at it with TWILIO_API_BASE_URL. Messages move queued → sending → \
            sent → delivered one step at a time (--step-ms), and each transition is posted to a \
            message's StatusCallback, signed with the Auth Token like Twilio's own webhooks.

            Twilio's test numbers behave as with test credentials: From +15005550001, +15005550007 \
            and +15005550008 fail (21212, 21606, 21611); To +15005550001/2/3/4/9 fail (21211, 21612, \
            21408, 21610, 21614). Any other valid number is accepted. Messages to +15005559010 end \
            undelivered (30003) and to +15005559011 failed (30008).

            Control endpoints under /__sandbox/ script faults (429, 500/503, delays, dropped \
            connections), deliver inbound messages, list messages and webhooks, and reset.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 8025

    @Option(name: .customLong("state"), help: ArgumentHelp("Keep messages in this file between runs.", valueName: "file"))
    var stateFile: String?

    @Flag(name: .customLong("reset-state"), help: "Start from an empty state file.")
    var resetState = false

    @Option(name: .customLong("step-ms"), help: "Milliseconds per lifecycle step (0: delivered at once).")
    var stepMilliseconds = 1000

    @Flag(help: "Log every request.")
    var verbose = false

    func run() async throws {
        if resetState, let stateFile { try? FileManager.default.removeItem(atPath: stateFile) }
        let sandbox: RunningSandbox
        do {
            sandbox = try await TwilioSandbox.start(SandboxConfiguration(
                host: host, port: port, stateFile: stateFile, lifecycleStep: .milliseconds(stepMilliseconds),
                logLevel: verbose ? .debug : .warning))
        } catch let error as SandboxStateError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(65)
        }
        let credentials = sandbox.credentials
        FileHandle.standardOutput.write(Data("""
            Twilio sandbox listening on \(sandbox.baseURL)
              TWILIO_API_BASE_URL=\(sandbox.baseURL)
              TWILIO_ACCOUNT_SID=\(credentials.accountSid)
              TWILIO_AUTH_TOKEN=\(credentials.authToken)
              TWILIO_API_KEY=\(credentials.apiKeySid)
              TWILIO_API_SECRET=\(credentials.apiKeySecret)

            """.utf8))
        // Serve until SIGINT or SIGTERM, then stop the server cleanly.
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        for await _ in signals { break }
        sources.forEach { $0.cancel() }
        await sandbox.stop()
    }
}
