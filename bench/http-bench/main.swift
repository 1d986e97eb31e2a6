// 2,000 sequential small form POSTs to one loopback server: through CurlHTTPClient, and through the
// `curl` command-line tool in one process (a config file of 2,000 requests joined by `next`, so it
// reuses its connection the same way). Alternating rounds; medians and the ratio are reported.
// Build in release: `swift run -c release http-bench [--requests 2000] [--rounds 5]`.
import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport

func option(_ name: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
        let number = Int(CommandLine.arguments[index + 1])
    else { return value }
    return number
}
let requests = option("--requests", default: 2_000)
let rounds = option("--rounds", default: 5)

let responseBody = Data(#"{"sid": "SM00000000000000000000000000000000", "status": "queued"}"#.utf8)
let server = try TestHTTPServer { _ in .respond(status: 201, headers: [("Content-Type", "application/json")], body: responseBody) }
let url = server.baseURL + "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json"
let form = [("To", "+15005550006"), ("From", "+15005550006"), ("Body", "Hello from the benchmark")]
let formText = FormEncoding.encodeForm(form)

let configPath = FileManager.default.temporaryDirectory.appendingPathComponent("http-bench-\(getpid()).curlrc").path
var config = ""
for index in 0..<requests {
    if index > 0 { config += "next\n" }
    config +=
        "url = \"\(url)\"\ndata = \"\(formText)\"\nuser = \"AC00000000000000000000000000000000:token\"\noutput = \"/dev/null\"\nsilent\n"
}
try config.write(toFile: configPath, atomically: true, encoding: .utf8)
defer { try? FileManager.default.removeItem(atPath: configPath) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func runClient() async throws -> Double {
    let client = CurlHTTPClient()
    let auth = BasicAuth(username: "AC00000000000000000000000000000000", password: Secret("token"))
    let clock = ContinuousClock()
    let started = clock.now
    for _ in 0..<requests {
        _ = try await client.send(HTTPClientRequest(method: .post, url: url, body: .form(form), auth: auth))
    }
    return Double(requests) / seconds(clock.now - started)
}

func runCurlTool() async throws -> Double {
    let clock = ContinuousClock()
    let started = clock.now
    let curl = try await ProcessRunner.run("/usr/bin/curl", ["--parallel-max", "1", "-K", configPath])
    guard curl.exitCode == 0 else { fatalError("curl exited with \(curl.exitCode): \(curl.stderr)") }
    return Double(requests) / seconds(clock.now - started)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

_ = try await runClient()  // warm up: first-use costs (libcurl init, the loop thread) out of the figures
var clientRates: [Double] = []
var curlRates: [Double] = []
for _ in 0..<rounds {
    clientRates.append(try await runClient())
    curlRates.append(try await runCurlTool())
}
let clientMedian = median(clientRates)
let curlMedian = median(curlRates)
print("\(requests) sequential form POSTs to 127.0.0.1, median of \(rounds) alternating rounds")
print("| client | requests/s | ratio to curl |")
print("| --- | ---: | ---: |")
print("| CurlHTTPClient (Swift, libcurl multi) | \(Int(clientMedian)) | \(String(format: "%.2f", clientMedian / curlMedian)) |")
print("| curl \(Libcurl.version.split(separator: " ").first ?? "") tool, one process, -K config | \(Int(curlMedian)) | 1.00 |")
print(
    "connections accepted by the server: \(server.acceptedConnections) (\(requests * (rounds + 1)) requests from the client, \(requests * rounds) from curl)"
)
server.stop()
