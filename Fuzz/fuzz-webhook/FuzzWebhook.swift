// libFuzzer target: the webhook trigger (payload reading, form and JSON body parsing, URL
// candidates, X-Twilio-Signature validation) on arbitrary input: as an engine payload when the
// bytes are a JSON object, else as the raw body of a signed form request.
import ComponentRuntime
import FuzzerDriver
import Dispatch
import Logging
import TwilioComponent

let token = "12345678901234567890123456789012"
let manifest = try! ManifestLoader.load(text: TwilioComponent.manifestText, file: TwilioComponent.manifestFileName).manifest
let runner = try! ComponentRunner(ComponentDefinition(manifest: manifest, handlers: TwilioComponent.handlers()))
let connection = RawConnection(key: "authToken", fields: ["accountSid": .string("AC" + String(repeating: "a", count: 32)), "authToken": .string(token)])
let logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let url = "https://hooks.example.com/twilio?flow=1"

/// Runs the trigger to completion from libFuzzer's (non-async) thread.
func run(_ payload: JSONValue) -> InvocationResult {
    nonisolated(unsafe) var result: InvocationResult?
    let done = DispatchSemaphore(value: 0)
    Task {
        result = await runner.runTrigger(InvocationRequest(element: "webhook", connection: connection, payload: payload), logger: logger)
        done.signal()
    }
    done.wait()
    return result!
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var payloads: [JSONValue] = []
    if case .object(let object)? = try? JSONParser.parse(bytes) { payloads.append(.object(object)) }
    // The bytes as a form body, signed over what they parse to (so the signature check passes
    // whenever the form reads), and once more with a wrong signature.
    let text = String(decoding: bytes, as: UTF8.self)
    let parameters = FormEncoding.decodeForm(text) ?? []
    let signature = TwilioSignatureValidator(authToken: token).signature(url: url, parameters: parameters)
    for header in [signature, "AAAA" + signature.dropFirst(4)] {
        payloads.append([
            "headers": ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": .string(String(header))],
            "rawBody": ["data": ["type": "Buffer", "data": .array(bytes.map { .integer(Int($0)) })]],
            "webhookUrls": ["Flow": .string(url)],
        ])
    }
    for payload in payloads {
        let result = run(payload)
        switch result.outcome {
        case .success: precondition(result.envelope["response"]?["statusCode"] != nil)
        case .failure(let error):
            precondition(error.kind == .input || error.kind == .connection, "unexpected kind \(error.kind)")
            precondition(result.envelope["response"]?["statusCode"]?.intValue.map { $0 >= 400 } ?? false, "a refusal without its HTTP answer")
        }
    }
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_webhook_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzWebhook(data!, size) }
}
