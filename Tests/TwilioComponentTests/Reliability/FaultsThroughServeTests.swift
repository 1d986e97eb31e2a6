import ComponentCore
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// 1,000 sends through `serve` over TLS and HTTP/2 (and 300 over TLS and HTTP/1.1) while the
/// sandbox misbehaves at random (fixed seed): nothing is lost, nothing is sent twice, and every
/// failure says whether its message may have gone out; requests HTTP/2 refused are sent again
/// and exactly once.
@Suite(.timingInsensitive) struct FaultsThroughServeTests {
    /// A small, seeded generator, so the same faults come in the same order on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The faults, by name, with their weight out of 100 (the rest pass). Over HTTP/2 also the two
    /// signals that prove a request unprocessed (retried, even for a send), the whole connection
    /// lost after a message was created, and a GOAWAY that falsely claims nothing was processed.
    static func faults(over transport: SandboxTransport) -> [(name: String, weight: Int, fault: JSONValue)] {
        var faults: [(name: String, weight: Int, fault: JSONValue)] = [
            ("429 with Retry-After", 5, ["type": "status", "status": 429, "retryAfter": "0"]),
            ("429 without Retry-After", 5, ["type": "status", "status": 429]),
            ("500", 4, ["type": "status", "status": 500]),
            ("503", 4, ["type": "status", "status": 503]),
            ("delay past the timeout", 3, ["type": "delay", "milliseconds": 1200]),
            ("dropped before the request was read", 4, ["type": "dropBeforeRead"]),
            ("dropped after the message was created", 4, ["type": "dropAfterProcessing"]),
        ]
        if transport == .tlsHTTP2 {
            faults += [
                ("REFUSED_STREAM", 4, ["type": "refusedStream"]),
                ("GOAWAY excluding the request", 4, ["type": "goaway"]),
                // These two fail every request in flight on the connection, so they are rare.
                ("connection lost after the message was created", 1, ["type": "dropAfterProcessing", "scope": "connection"]),
                ("GOAWAY ENHANCE_YOUR_CALM after the message was created", 1, ["type": "dropAfterProcessing", "scope": "goaway"]),
            ]
        }
        return faults
    }

    /// One run of the suite: the transport and how many sends.
    struct Run: Sendable, CustomTestStringConvertible {
        var transport: SandboxTransport
        var total: Int
        var testDescription: String { "\(total) sends over \(transport.rawValue)" }
    }

    @Test(arguments: [Run(transport: .tlsHTTP2, total: 1000), Run(transport: .tlsHTTP1, total: 300)])
    func nothingLostNothingDoubledEveryFailureClassified(_ run: Run) async throws {
        let total = run.total
        try await withEngineTool(transport: run.transport) { tool in
            // The script: one entry per request reaching the sandbox (retries take the next one).
            var generator = SeededGenerator(state: 20_261_129)
            var scripted: [String: Int] = [:]
            var entries: [JSONValue] = []
            let faults = Self.faults(over: run.transport)
            for _ in 0..<(total * 3 / 2) {
                var roll = Int.random(in: 0..<100, using: &generator)
                var chosen: (name: String, fault: JSONValue)?
                for fault in faults {
                    if roll < fault.weight {
                        chosen = (fault.name, fault.fault)
                        break
                    }
                    roll -= fault.weight
                }
                scripted[chosen?.name ?? "pass", default: 0] += 1
                entries.append(chosen?.fault ?? ["type": "pass"])
            }
            for entry in entries { try await tool.fault("messages.create", entry) }

            var environment = tool.environment
            environment["COMPONENT_ATTEMPT_TIMEOUT_MS"] = "500"
            let lines =
                (1...total).map { id in
                    JSONWriter.string(from: [
                        "id": .integer(id), "action": "sendSMS", "connection": tool.authToken,
                        "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("fault run \(id)")],
                    ])
                }.joined(separator: "\n") + "\n"
            let output = try await ProcessRunner.run(
                EngineTool.path, ["serve", "--concurrency", "16"], environment: environment, stdin: lines)
            #expect(output.exitCode == 0, "\(output.stderr.suffix(2000))")

            var succeeded: [Int: String] = [:]
            var failed: [Int: JSONValue] = [:]
            for line in output.stdout.split(separator: "\n") {
                let answer = try JSONParser.parse(String(line))
                let id = try #require(answer["id"]?.intValue)
                #expect(succeeded[id] == nil && failed[id] == nil, "id \(id) answered twice")
                if let sid = answer["data"]?["sid"]?.stringValue { succeeded[id] = sid } else { failed[id] = answer["error"] ?? .null }
            }
            #expect(succeeded.count + failed.count == total, "every request answered")

            // The sandbox's messages, by the invocation whose body they carry.
            var messagesByID: [Int: [String]] = [:]
            for message in try await tool.sandboxMessages() {
                guard let body = message["body"]?.stringValue, body.hasPrefix("fault run "),
                    let id = Int(body.dropFirst("fault run ".count)),
                    let sid = message["sid"]?.stringValue
                else { continue }
                messagesByID[id, default: []].append(sid)
            }
            #expect(
                messagesByID.values.allSatisfy { $0.count == 1 }, "no message sent twice: \(messagesByID.filter { $0.value.count > 1 })")
            for (id, sid) in succeeded {
                #expect(messagesByID[id] == [sid], "request \(id) succeeded with \(sid), which the sandbox holds exactly once")
            }
            var tally: [String: Int] = [:]
            for (id, error) in failed {
                let kind = error["kind"]?.stringValue ?? "?"
                let maybeSent = error["maybeSent"] == true
                #expect(["upstream", "network", "timeout"].contains(kind), "request \(id): \(error)")
                #expect(error["message"]?.stringValue?.isEmpty == false)
                if messagesByID[id] != nil {
                    #expect(maybeSent, "request \(id) failed without maybeSent, but its message exists: \(error)")
                }
                if !maybeSent { #expect(error["retryable"] != .null) }
                tally["\(kind)\(maybeSent ? ", maybe sent" : "")\(messagesByID[id] != nil ? " (and was)" : "")", default: 0] += 1
            }
            let unaccounted = Set(messagesByID.keys).subtracting(succeeded.keys).filter { failed[$0]?["maybeSent"] != true }
            #expect(unaccounted.isEmpty, "messages the caller was not told about: \(unaccounted.sorted())")

            let faultLine = scripted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let failureLine = tally.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let traffic = try await tool.traffic()
            #expect(traffic["requests"]?.objectValue?.keys.contains(run.transport.httpVersion) == true)
            print(
                """
                faults through serve over \(run.transport.rawValue): \(total) sends at concurrency 16, COMPONENT_ATTEMPT_TIMEOUT_MS=500
                  scripted (\(entries.count) entries, one per attempt): \(faultLine)
                  succeeded \(succeeded.count), each once in the sandbox; failed \(failed.count): \(failureLine)
                  sandbox messages for these requests: \(messagesByID.count), duplicates \(messagesByID.values.filter { $0.count > 1 }.count), unannounced \(unaccounted.count)
                  traffic: \(traffic["connections"] ?? .null) connections, \(traffic["refusedStreams"] ?? .null) streams refused, \(traffic["goAways"] ?? .null) GOAWAYs
                """)
            // Most sends get through despite the faults. Over HTTP/2 a dropped connection also
            // ends every other stream on it, so how many fail with it depends on how many were in
            // flight at that moment: the machine's timing (from 649 to 712 of 1,000 seen).
            #expect(succeeded.count > total / 2)
            #expect(failed.values.contains { $0["maybeSent"] == true }, "the drops after creating were seen")
        }
    }

    /// Requests refused by HTTP/2's two signals (REFUSED_STREAM, a GOAWAY that excludes them) are
    /// sent again and succeed, each message exactly once: one at a time (so each GOAWAY is one;
    /// the sandbox sends one only when no other stream is open), then 16 at once on shared
    /// connections (where a GOAWAY fault refuses the stream instead). At once, the order in which
    /// attempts take the scripted faults is the machine's, and so is whether libcurl notices a
    /// stream's refusal before the server closes that connection after a GOAWAY (libcurl then
    /// reports the refusal as the connection's end, which proves nothing). So a request may fail
    /// there, but only as known unsent and retryable (refused on all three attempts) or as maybe
    /// sent with no message in the sandbox; the test then sends it again, as an engine would after
    /// checking.
    @Test func refusedStreamsAndGoAwaysAreSentAgainExactlyOnce() async throws {
        try await withEngineTool(transport: .tlsHTTP2) { tool in
            // One at a time: every request's first attempt is refused, its retry passes.
            for index in 0..<20 {
                try await tool.fault("messages.create", ["type": index % 2 == 0 ? "goaway" : "refusedStream"])
                try await tool.fault("messages.create", ["type": "pass"])
            }
            let sequential = try await Self.serve(tool, ids: Array(1...20), concurrency: 1).succeeded
            let afterSequential = try await tool.traffic()
            #expect(afterSequential["goAways"] == 10)
            #expect(afterSequential["refusedStreams"] == 10)

            // 16 at once: the first 16 attempts are refused, every later one passes.
            for index in 0..<16 { try await tool.fault("messages.create", ["type": index % 2 == 0 ? "refusedStream" : "goaway"]) }
            let firstPass = try await Self.serve(tool, ids: Array(21...120), concurrency: 16, refusalsMayFail: true)
            let created = Set(try await Self.messageIDs(tool))
            #expect(created.isDisjoint(with: firstPass.unsent + firstPass.doubted), "a failed request's message exists")
            // Every scripted fault is taken by now, so the engine's retry passes.
            let resent = try await Self.serve(tool, ids: firstPass.unsent + firstPass.doubted, concurrency: 16)
            let concurrent = firstPass.succeeded + resent.succeeded
            let traffic = try await tool.traffic()
            let refusals = (traffic["refusedStreams"]?.intValue ?? 0) + (traffic["goAways"]?.intValue ?? 0)
            #expect(refusals == 36, "every scripted refusal was acted out")

            let ids = try await Self.messageIDs(tool)
            #expect(ids.count == 120 && Set(ids) == Set(1...120), "each message exactly once")
            print(
                """
                refused over HTTP/2: 20 sends one at a time, 100 at concurrency 16; \(traffic["refusedStreams"] ?? .null) streams refused, \
                \(traffic["goAways"] ?? .null) GOAWAYs; succeeded \(sequential + concurrent) (sent again: \(firstPass.unsent.count) refused on every attempt, \
                \(firstPass.doubted.count) reported maybe sent); messages \(ids.count), duplicates \(ids.count - Set(ids).count)
                """)
        }
    }

    /// The ids of the sandbox's "refused run" messages, one per message.
    static func messageIDs(_ tool: EngineTool) async throws -> [Int] {
        try await tool.sandboxMessages().compactMap { message in
            guard let body = message["body"]?.stringValue, body.hasPrefix("refused run ") else { return nil }
            return Int(body.dropFirst("refused run ".count))
        }
    }

    /// Sends `ids` through `serve` at `concurrency`; expects every one to succeed or, with
    /// `refusalsMayFail`, to fail as known unsent and retryable, or as maybe sent (the caller
    /// checks that it was not). Returns how many succeeded and the ids that failed each way.
    static func serve(
        _ tool: EngineTool, ids: [Int], concurrency: Int, refusalsMayFail: Bool = false
    ) async throws -> (succeeded: Int, unsent: [Int], doubted: [Int]) {
        guard !ids.isEmpty else { return (0, [], []) }
        let lines =
            ids.map { id in
                JSONWriter.string(from: [
                    "id": .integer(id), "action": "sendSMS", "connection": tool.authToken,
                    "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("refused run \(id)")],
                ])
            }.joined(separator: "\n") + "\n"
        let output = try await ProcessRunner.run(
            EngineTool.path, ["serve", "--concurrency", String(concurrency)], environment: tool.environment, stdin: lines)
        #expect(output.exitCode == 0, "\(output.stderr.suffix(2000))")
        let answers = try output.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let failures = answers.filter { $0["error"] != nil }
        let unsent = failures.filter { $0["error"]?["maybeSent"] == false && $0["error"]?["retryable"] == true }
        let doubted = failures.filter { $0["error"]?["maybeSent"] == true && $0["error"]?["kind"] == "network" }
        #expect(answers.count == ids.count)
        #expect(refusalsMayFail ? failures.count == unsent.count + doubted.count : failures.isEmpty, "\(failures.prefix(3))")
        return (answers.count - failures.count, unsent.compactMap { $0["id"]?.intValue }, doubted.compactMap { $0["id"]?.intValue })
    }
}
