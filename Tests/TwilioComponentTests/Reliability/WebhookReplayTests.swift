import ComponentCore
import Foundation
import Synchronization
import TestSupport
import Testing
import TwilioSandbox

/// Twilio retries webhooks and does not order status callbacks: the same delivery replayed, and
/// callbacks shuffled, give idempotency keys and ranks an engine can reconcile (docs/protocol.md).
@Suite(.timingInsensitive) struct WebhookReplayTests {
    /// The engine's rule: run once per idempotency key; per message, the highest rank wins.
    static func reconcile(_ payloads: [JSONValue]) -> (runs: Int, finalStatus: [String: String]) {
        var seen = Set<String>()
        var best: [String: (rank: Int, status: String)] = [:]
        for payload in payloads {
            guard let key = payload["idempotencyKey"]?.stringValue, seen.insert(key).inserted else { continue }
            guard let sid = payload["twilio"]?["messageSid"]?.stringValue, let status = payload["twilio"]?["status"]?.stringValue,
                let rank = payload["twilio"]?["statusRank"]?.intValue
            else { continue }
            if rank > best[sid]?.rank ?? 0 { best[sid] = (rank, status) }
        }
        return (seen.count, best.mapValues(\.status))
    }

    @Test func replayedAndShuffledCallbacksReconcileToTheSameState() async throws {
        // Capture the status callbacks the sandbox sends for three messages.
        let captured = Mutex<[JSONValue]>([])
        try await withTestServer(handler: { request in
            let payload = ComponentInvoker.webhookPayload(for: request, baseURL: "http://" + (request.header("Host") ?? ""))
            captured.withLock { $0.append(payload) }
            return .respond(status: 200, headers: [("Content-Type", "text/xml")], body: Data("<Response/>".utf8))
        }) { receiver in
            try await withEngineTool(lifecycleStep: .milliseconds(50)) { tool in
                for (index, to) in ["+14155550100", "+14155550101", "+15005559010"].enumerated() {
                    let sent = try await tool.run(
                        "invoke",
                        [
                            "action": "sendSMS", "connection": tool.authToken,
                            "inputs": [
                                "from": "+15005550006", "to": .string(to), "body": .string("replay \(index)"),
                                "statusCallback": .string(receiver.baseURL + "/status"),
                            ],
                        ])
                    #expect(sent.exitCode == 0, "\(sent.stderr)")
                }
                let clock = ContinuousClock()
                let deadline = clock.now + .seconds(10)
                while captured.withLock({ $0.count }) < 9, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                try await Task.sleep(for: .milliseconds(300))

                let deliveries = captured.withLock { $0 }
                #expect(deliveries.count == 9, "sending, sent, then delivered (or undelivered for +15005559010), for each")

                // Through the engine path: every delivery twice, in order, then all of them reversed
                // and shuffled, in one serve session.
                var generator = FaultsThroughServeTests.SeededGenerator(state: 7)
                let sequence = deliveries + deliveries + deliveries.reversed() + deliveries.shuffled(using: &generator)
                let lines =
                    sequence.enumerated().map { index, payload in
                        JSONWriter.string(from: [
                            "id": .integer(index), "trigger": "webhook", "connection": tool.authToken, "payload": payload,
                        ])
                    }.joined(separator: "\n") + "\n"
                let output = try await ProcessRunner.run(
                    EngineTool.path, ["serve", "--concurrency", "4"], environment: tool.environment, stdin: lines)
                #expect(output.exitCode == 0, "\(output.stderr)")
                var payloads = [JSONValue](repeating: .null, count: sequence.count)
                for line in output.stdout.split(separator: "\n") {
                    let answer = try JSONParser.parse(String(line))
                    let index = try #require(answer["id"]?.intValue)
                    #expect(answer["response"]?["statusCode"] == 200, "\(answer["error"] ?? .null)")
                    payloads[index] = answer["payload"] ?? .null
                }
                let count = deliveries.count
                for index in 0..<count {
                    let key = payloads[index]["idempotencyKey"]
                    #expect(key != nil && key != .null)
                    #expect(payloads[count + index]["idempotencyKey"] == key, "a replayed delivery keeps its key")
                    #expect(payloads[2 * count + (count - 1 - index)]["idempotencyKey"] == key, "order does not change a key")
                }
                #expect(
                    Set(payloads[0..<count].compactMap { $0["idempotencyKey"]?.stringValue }).count == count,
                    "distinct deliveries, distinct keys")

                // Reconciled in any order, the engine ends where the messages are.
                let messages = try await tool.sandboxMessages()
                var actual: [String: String] = [:]
                for message in messages {
                    if let sid = message["sid"]?.stringValue, let status = message["status"]?.stringValue { actual[sid] = status }
                }
                let inOrder = Self.reconcile(Array(payloads[0..<count]))
                #expect(inOrder.runs == count)
                #expect(inOrder.finalStatus == actual, "\(inOrder.finalStatus) vs \(actual)")
                for slice in [Array(payloads[count..<(2 * count)]), Array(payloads[(2 * count)...]), payloads.reversed(), payloads] {
                    let result = Self.reconcile(slice)
                    #expect(result.runs == count, "each delivery runs the flow once")
                    #expect(result.finalStatus == actual)
                }
                print(
                    "webhook replay: \(count) deliveries sent \(sequence.count) times (twice in order, reversed, shuffled): \(count) distinct keys, final states \(actual.values.sorted())"
                )
            }
        }
    }
}
