// libFuzzer target: rawRequest's host lock, the only place a URL from the user decides where the
// connection's credentials go. Any bytes are the `url` input; whatever the lock accepts must be,
// read by libcurl's own parser (the one the transport connects with), without user information
// and: with no override, an https URL on a host of a product the component knows (api, verify,
// lookups) on port 443; with the run's base URL, on that base URL's scheme, host and port (a
// product's URL is moved there); and a path always stays on the API's host.
import ComponentHTTP
import FuzzerDriver

@testable import TwilioComponent

let account = "AC" + String(repeating: "a", count: 32)
let apiBase = "https://api.twilio.com"
let override = "http://127.0.0.1:8025"

func checkAccepted(_ url: String, override: String?) {
    // What curl cannot parse it sends nowhere.
    guard let parsed = CurlURL(url) else { return }
    precondition(!parsed.hasUserInfo, "the lock accepted user information: \(url.debugDescription)")
    precondition(
        parsed.host.unicodeScalars.allSatisfy { $0.isASCII && $0 != "%" }, "the lock accepted host \(parsed.host.debugDescription)")
    if let override {
        let base = CurlURL(override)!
        precondition(
            parsed.scheme == base.scheme && parsed.host.lowercased() == base.host.lowercased() && parsed.port == base.port,
            "with an override, the lock sent \(url.debugDescription) elsewhere")
        return
    }
    precondition(parsed.scheme == "https", "the lock accepted \(parsed.scheme): \(url.debugDescription)")
    precondition(parsed.port == nil || parsed.port == 443, "the lock accepted port \(parsed.port ?? 0): \(url.debugDescription)")
    precondition(
        TwilioHosts.product(ofHost: parsed.host) != nil, "the lock accepted host \(parsed.host.debugDescription): \(url.debugDescription)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHosts(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for base in [nil, override] {
        guard let resolved = try? RawRequest.resolve(url, accountSid: account, apiBaseURL: base ?? apiBase, override: base) else {
            continue
        }
        checkAccepted(resolved, override: base)
    }
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_hosts_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzHosts(data!, size) }
}
