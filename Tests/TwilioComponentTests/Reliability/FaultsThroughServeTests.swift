import ComponentRuntime
import Foundation
import TestSupport
import Testing
import TwilioSandbox

/// 1,000 sends through `serve` while the sandbox misbehaves at random (fixed seed): nothing is
/// lost, nothing is sent twice, and every failure says whether its message may have gone out.
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

    /// The faults, by name, with their weight out of 100 (the rest pass).
    static let faults: [(name: String, weight: Int, fault: JSONValue)] = [
        ("429 with Retry-After", 5, ["type": "status", "status": 429, "retryAfter": "0"]),
        ("429 without Retry-After", 5, ["type": "status", "status": 429]),
        ("500", 4, ["type": "status", "status": 500]),
        ("503", 4, ["type": "status", "status": 503]),
        ("delay past the timeout", 3, ["type": "delay", "milliseconds": 1200]),
        ("dropped before the request was read", 4, ["type": "dropBeforeRead"]),
        ("dropped after the message was created", 4, ["type": "dropAfterProcessing"]),
    ]

    @Test func nothingLostNothingDoubledEveryFailureClassified() async throws {
        let total = 1000
        try await withEngineTool { tool in
            // The script: one entry per request reaching the sandbox (retries take the next one).
            var generator = SeededGenerator(state: 20_261_129)
            var scripted: [String: Int] = [:]
            var entries: [JSONValue] = []
            for _ in 0..<(total * 3 / 2) {
                var roll = Int.random(in: 0..<100, using: &generator)
                var chosen: (name: String, fault: JSONValue)?
                for fault in Self.faults {
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
            environment["TWILIO_TIMEOUT_MS"] = "500"
            let lines = (1...total).map { id in
                JSONWriter.string(from: [
                    "id": .integer(id), "action": "sendSMS", "connection": tool.authToken,
                    "inputs": ["from": "+15005550006", "to": "+14155550100", "body": .string("fault run \(id)")],
                ])
            }.joined(separator: "\n") + "\n"
            let output = try await ProcessRunner.run(EngineTool.path, ["serve", "--concurrency", "16"], environment: environment, stdin: lines)
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
                guard let body = message["body"]?.stringValue, body.hasPrefix("fault run "), let id = Int(body.dropFirst("fault run ".count)),
                    let sid = message["sid"]?.stringValue
                else { continue }
                messagesByID[id, default: []].append(sid)
            }
            #expect(messagesByID.values.allSatisfy { $0.count == 1 }, "no message sent twice: \(messagesByID.filter { $0.value.count > 1 })")
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
            print("""
                faults through serve: \(total) sends at concurrency 16, TWILIO_TIMEOUT_MS=500
                  scripted (\(entries.count) entries, one per attempt): \(faultLine)
                  succeeded \(succeeded.count), each once in the sandbox; failed \(failed.count): \(failureLine)
                  sandbox messages for these requests: \(messagesByID.count), duplicates 0, unannounced \(unaccounted.count)
                """)
            #expect(succeeded.count > total * 3 / 4)
            #expect(failed.values.contains { $0["maybeSent"] == true }, "the drops after creating were seen")
        }
    }
}
