import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing

@testable import TwilioSandbox

/// The sandbox's clock, off the machine's by an offset (from the command line, the configuration
/// or the control API), as message dates and the `Date` header show it.
@Suite(.timingInsensitive) struct SandboxClockTests {
    static let send: [(String, String)] = [("To", "+14155550100"), ("From", "+15005550006"), ("Body", "Hello")]

    /// Expects `date` to be the sandbox's time, `offset` seconds off the machine's, at some moment
    /// from `before` to `after` (machine time); whole seconds, so up to a second early.
    func expect(_ date: Date?, offset: Double, between before: Double, and after: Double, _ what: String) {
        guard let seconds = date?.timeIntervalSince1970 else {
            Issue.record("\(what): no date")
            return
        }
        #expect(seconds >= (before + offset).rounded(.down) && seconds <= after + offset, "\(what): \(seconds - before) s off")
    }

    /// Creates a message and expects its dates and the response's `Date` header `offset` seconds
    /// off the machine's clock.
    func expectClock(_ client: SandboxTestClient, offset: Double) async throws {
        let before = Date().timeIntervalSince1970
        let response = try await client.create(Self.send)
        let after = Date().timeIntervalSince1970
        #expect(response.status == 201)
        let message = try client.json(response)
        expect(
            message["date_created"]?.stringValue.flatMap(TwilioDate.date(from:)), offset: offset, between: before, and: after,
            "date_created")
        expect(
            message["date_updated"]?.stringValue.flatMap(TwilioDate.date(from:)), offset: offset, between: before, and: after,
            "date_updated")
        expect(response.headerFields[.date].flatMap(TwilioDate.date(from:)), offset: offset, between: before, and: after, "Date header")

        // The lifecycle is instant here: fetched, the message has been sent, at its creation.
        let sid = try #require(message["sid"]?.stringValue)
        let fetched = try client.json(try await client.send(.get, client.messagePath(sid)))
        #expect(fetched["status"] == "delivered")
        let sent = fetched["date_sent"]?.stringValue.flatMap(TwilioDate.date(from:))
        expect(sent, offset: offset, between: before, and: Date().timeIntervalSince1970, "date_sent")

        let clock = try client.json(try await client.control(.get, "clock"))
        #expect(clock["offsetMilliseconds"]?.intValue == Int((offset * 1000).rounded()))
        let now = clock["now"]?.stringValue.flatMap(ISO8601Timestamp.date(from:))
        expect(now, offset: offset, between: before, and: Date().timeIntervalSince1970, "GET clock's now")
    }

    @Test func configurationOffsetsDatesAndTheDateHeader() async throws {
        try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, clockOffset: .milliseconds(-10_000))) { baseURL, credentials in
            try await expectClock(SandboxTestClient(baseURL: baseURL, credentials: credentials), offset: -10)
        }
    }

    @Test func controlEndpointSetsTheOffsetAndResetRestoresIt() async throws {
        try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, clockOffset: .milliseconds(-10_000))) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let set = try await client.control(.post, "clock", json: ["offsetMilliseconds": 3_600_000])
            #expect(set.status == 200)
            #expect(try client.json(set) == ["offsetMilliseconds": 3_600_000])
            try await expectClock(client, offset: 3600)

            #expect(try await client.control(.post, "reset").status == 204)
            try await expectClock(client, offset: -10)

            for bad: JSONValue in [[:], ["offsetMilliseconds": "5"], ["offsetMilliseconds": 1.5], ["offsetMilliseconds": 400_000_000_000]] {
                #expect(try await client.control(.post, "clock", json: bad).status == 400, "\(bad)")
            }
            let clock = try client.json(try await client.control(.get, "clock"))
            #expect(clock["offsetMilliseconds"] == -10_000, "a refused offset changes nothing")
        }
    }

    /// SendAt is compared with the sandbox's clock: an hour ahead, a SendAt half an hour ahead of
    /// the machine's time is already past, and one an hour and ten minutes ahead is ten minutes away.
    @Test func sendAtIsComparedWithTheSandboxClock() async throws {
        try await withSandbox(SandboxConfiguration(lifecycleStep: .zero, clockOffset: .seconds(3600))) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            func schedule(_ ahead: Double) async throws -> HTTPClientResponse {
                try await client.create([
                    ("To", "+14155550100"), ("MessagingServiceSid", "MG" + String(repeating: "a", count: 32)), ("Body", "Later"),
                    ("ScheduleType", "fixed"), ("SendAt", ISO8601Timestamp.string(from: Date().addingTimeInterval(ahead))),
                ])
            }
            let tooSoon = try await schedule(1800)
            #expect(tooSoon.status == 400)
            #expect(try client.json(tooSoon)["code"] == 35114)
            let scheduled = try await schedule(4200)
            #expect(scheduled.status == 201)
            #expect(try client.json(scheduled)["status"] == "scheduled")
        }
    }

    /// `twilio-sandbox --clock-offset-ms -10000`, the executable built beside the tests.
    @Test func commandLineOptionOffsetsTheClock() async throws {
        let executable = ProcessRunner.product("twilio-sandbox")
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build twilio-sandbox first (swift build)")
        let child = try await ChildProcess(executable, ["--port", "0", "--step-ms", "0", "--clock-offset-ms", "-10000"])
        var baseURL: String?
        for await line in child.lines {
            if line.hasPrefix("  TWILIO_API_BASE_URL=") {
                baseURL = String(line.dropFirst("  TWILIO_API_BASE_URL=".count))
                break
            }
        }
        do {
            let client = SandboxTestClient(baseURL: try #require(baseURL, "the sandbox printed no base URL"), credentials: .default)
            try await expectClock(client, offset: -10)
            _ = try await client.control(.post, "clock", json: ["offsetMilliseconds": 0])
            #expect(try await client.control(.post, "reset").status == 204)
            try await expectClock(client, offset: -10)
        } catch {
            child.signal(SIGTERM)
            _ = await child.wait()
            throw error
        }
        child.signal(SIGTERM)
        let ended = await child.wait()
        #expect(ended.exitCode == 0, "\(ended.stderr)")
    }

    @Test func refusesAnOffsetBeyondTenYears() async throws {
        let output = try await ProcessRunner.run(
            ProcessRunner.product("twilio-sandbox"), ["--port", "0", "--clock-offset-ms", "-400000000000"])
        #expect(output.exitCode != 0)
        #expect(output.stderr.contains("--clock-offset-ms"), "\(output.stderr)")
    }
}
