// libFuzzer target: the YAML reader, the manifest decoder and the validator on arbitrary bytes.
// Every input either loads or is refused with a ManifestError whose diagnostics have a place.
import ComponentManifest
import ComponentRuntime
import FuzzerDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let loaded = try ManifestLoader.load(text: text, file: "fuzz.yaml")
        _ = loaded.warnings.map { $0.rendered(source: loaded.source) }
        _ = renderDocs(loaded.manifest, generator: "fuzz")
        _ = ManifestExport.json(loaded.manifest)
    } catch {
        // Typed: `error` is a ManifestError. Each diagnostic renders with its line.
        precondition(!error.diagnostics.isEmpty, "a refusal without a diagnostic")
        _ = error.rendered
    }
    return 0
}

// The entry point SwiftPM links this executable with; libFuzzer's driver takes it from here.
@_cdecl("fuzz_manifest_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    fuzzer_driver_run(argc, argv) { data, size in fuzzManifest(data!, size) }
}
