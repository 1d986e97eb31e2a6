// libFuzzer target: input resolution (coercion, defaults, patterns, choices, lists, key-value
// lists) of arbitrary JSON against every element of the Twilio manifest, and the connections.
import ComponentCore
import ComponentManifest
import ComponentRuntime
import FuzzerDriver
import TwilioComponent

let manifest = try! ManifestLoader.load(text: TwilioComponent.manifestText, file: TwilioComponent.manifestFileName).manifest
let resolvers: [InputResolver] =
    manifest.actions.map { InputResolver(inputs: $0.inputs, owner: "action '\($0.key)'") }
    + manifest.triggers.map { InputResolver(inputs: $0.inputs, owner: "trigger '\($0.key)'") }
    + manifest.dataSources.map { InputResolver(inputs: $0.inputs, owner: "data source '\($0.key)'") }
let connections = ConnectionResolver(connections: manifest.connections)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInputs(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let json: JSONValue
    do {
        json = try JSONParser.parse(bytes)
    } catch {
        return 0  // a JSONParseError: the typed refusal of text that is not JSON
    }
    guard case .object(let object) = json else { return 0 }
    for resolver in resolvers {
        switch resolver.resolve(object) {
        case .success(let inputs): _ = inputs.description
        case .failure(let errors): precondition(!errors.problems.isEmpty, "a refusal without a problem")
        }
    }
    for definition in manifest.connections {
        switch connections.resolveFields(RawConnection(key: definition.key, fields: object), definition: definition) {
        case .success(let connection): _ = connection.description
        case .failure(let error): precondition(error.kind == .connection)
        }
    }
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_inputs_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzInputs(data!, size) }
}
