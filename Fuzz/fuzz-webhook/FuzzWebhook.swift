// libFuzzer target: the webhook and voiceWebhook triggers' own work, and TwiML building (FuzzVoice.swift).
// The webhook trigger's own work (payload reading, form and JSON body parsing,
// URL candidates, X-Twilio-Signature validation) on arbitrary input: as the engine's payload when
// the bytes are a JSON object, else as the raw body of a signed form request. The trigger is
// called directly (its work waits for nothing), so each input costs only what the trigger does.
import ComponentCore
import ComponentHTTP
import ComponentRuntime
import FuzzerDriver
import Logging

@testable import TwilioComponent

let token = "12345678901234567890123456789012"
let url = "https://hooks.example.com/twilio?flow=1"
let trigger = WebhookTrigger()
let input = WebhookTrigger.Input(authToken: Secret(token), publicUrl: nil, validateSignature: true, replyMessage: "Thanks <3")
let context = ActionContext(
    logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }), connection: nil, invocationID: "fuzz", debug: false,
    elementKey: "webhook")

func check(_ payload: JSONValue) {
    do {
        let result = try trigger.evaluate(input, event: TriggerEvent(payload: payload, state: nil), context: context)
        precondition(
            result.response?.statusCode == 200, "an accepted webhook answered with \(String(describing: result.response?.statusCode))")
        _ = JSONWriter.string(from: result.payload)
    } catch let rejection as TriggerRejection {
        precondition(rejection.error.kind == .input || rejection.error.kind == .connection, "unexpected kind \(rejection.error.kind)")
        precondition(rejection.response.statusCode >= 400, "a refusal answered with \(rejection.response.statusCode)")
    } catch {
        preconditionFailure("an untyped refusal: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebhook(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzVoice(bytes)
    fuzzTwiML(bytes)
    if case .object(let object)? = try? JSONParser.parse(bytes) {
        check(.object(object))
        return 0
    }
    // The bytes as a form body, signed over what they parse to, so the signature check passes
    // whenever the form reads; one input in four is signed wrongly. Short bodies go as a Buffer.
    let text = String(decoding: bytes, as: UTF8.self)
    let parameters = FormEncoding.decodeForm(text) ?? []
    var signature = TwilioSignatureValidator(authToken: token).signature(url: url, parameters: parameters)
    if size % 4 == 3 { signature = "AAAA" + signature.dropFirst(4) }
    let raw: JSONValue = size <= 256 ? ["type": "Buffer", "data": .array(bytes.map { .integer(Int($0)) })] : .string(text)
    check([
        "headers": ["Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": .string(signature)],
        "rawBody": ["data": raw],
        "webhookUrls": ["Flow": .string(url)],
    ])
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_webhook_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzWebhook(data!, size) }
}
