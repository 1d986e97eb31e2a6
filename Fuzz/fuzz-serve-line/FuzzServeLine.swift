// libFuzzer target: the parser of `serve` request lines (and one-shot requests). Every line is
// either a request or an EngineRequestError of kind protocol.
import ComponentCore
import ComponentHost
import ComponentRuntime
import FuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServeLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for expected in [nil] + EngineElementKind.allCases.map(Optional.some) {
        do {
            let request = try EngineRequest.parse(bytes, expected: expected)
            precondition(request.kind == .check || !request.element.isEmpty)
        } catch {
            precondition(error.error.kind == .protocol, "a refusal that is not a protocol error")
            _ = JSONWriter.string(from: error.error.envelope)
        }
    }
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_serve_line_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzServeLine(data!, size) }
}
