// Measures loading and validating manifests (libyaml → nodes → manifest → diagnostics):
// a generated manifest of N actions with 10 inputs each, for several N, so both the time
// and how it grows can be read off one run. Build in release: `swift run -c release manifest-bench`.
//
// Usage: manifest-bench [--sizes 100,1000,10000] [--inputs 10] [--runs 15] [--budget-ms 100]
// The budget applies to the 1,000-action manifest; the exit code is 1 when it is exceeded.
// Beside each figure: libyaml alone pulling every event of the same text in the same run, the
// floor any loader built on it has. Their ratio holds steady on a shared, noisy machine where the
// absolute times do not.
import CYAML
import ComponentManifest
import ComponentYAML
import Foundation

var sizes = [100, 1_000, 10_000]
var inputsPerAction = 10
var runs = 15
var budgetMilliseconds = 100.0
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fatalError("\(flag) needs a value") }
    switch flag {
    case "--sizes": sizes = value.split(separator: ",").compactMap { Int($0) }
    case "--inputs": inputsPerAction = Int(value) ?? inputsPerAction
    case "--runs": runs = Int(value) ?? runs
    case "--budget-ms": budgetMilliseconds = Double(value) ?? budgetMilliseconds
    default: fatalError("unknown flag \(flag)")
    }
}

/// A manifest with `actions` actions of `inputs` inputs each, mixing every input feature the
/// validator checks (types, defaults, patterns, choices, constraints, collections).
func generateManifest(actions: Int, inputs: Int) -> String {
    var text = """
        key: generated
        display:
          label: Generated
          description: A generated manifest for benchmarks.
        connections:
          - key: token
            label: Token
            description: A token.
            inputs:
              - key: accountSid
                label: Account SID
                type: string
                required: true
                pattern: "^AC[0-9a-fA-F]{32}$"
              - key: token
                label: Token
                type: password
                required: true
        actions:

        """
    let kinds = [
        "type: string\n        required: true\n        pattern: \"^[A-Za-z0-9+]{1,64}$\"\n        example: Hello1",
        "type: integer\n        default: 5\n        minimum: 0\n        maximum: 100",
        "type: boolean\n        default: false",
        "type: string\n        choices: [GET, POST, PUT, DELETE]\n        default: GET",
        "type: number\n        minimum: 0.5",
        "type: string\n        collection: keyvaluelist\n        example: \"A=1\"",
        "type: text\n        minLength: 1\n        maxLength: 1600",
        "type: timestamp\n        example: \"2025-05-14T22:42:25Z\"",
        "type: data",
        "type: connection",
    ]
    for action in 0..<actions {
        text += """
              - key: action\(action)
                label: Action \(action)
                description: Does thing number \(action).
                inputs:

            """
        for input in 0..<inputs {
            let kind = input == inputs - 1 ? kinds[9] : kinds[input % 9]
            text +=
                "      - key: input\(input)\n        label: Input \(input)\n        comments: The input number \(input).\n        \(kind)\n"
        }
        text += "    examplePayload:\n      data:\n        id: \(action)\n        status: queued\n"
    }
    return text
}

func format(_ milliseconds: Double) -> String { String(format: "%.2f", milliseconds) }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// libyaml alone: every event of `text` pulled and discarded.
func libyamlOnly(_ text: String) -> Double {
    var text = text
    return text.withUTF8 { bytes in
        milliseconds(
            ContinuousClock().measure {
                var parser = yaml_parser_t()
                guard yaml_parser_initialize(&parser) == 1 else { fatalError("libyaml cannot start") }
                yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
                var event = yaml_event_t()
                while yaml_parser_parse(&parser, &event) == 1 {
                    let done = event.type == YAML_STREAM_END_EVENT
                    yaml_event_delete(&event)
                    if done { break }
                }
                yaml_parser_delete(&parser)
            })
    }
}

/// Median times of the whole load, of reading the YAML alone, and of validating alone.
func measure(_ text: String, file: String, runs: Int) -> (median: Double, yaml: Double, validate: Double, libyaml: Double, actions: Int) {
    var floors: [Double] = []
    var totals: [Double] = []
    var yamls: [Double] = []
    var validations: [Double] = []
    var actions = 0
    for _ in 0..<runs {
        let clock = ContinuousClock()
        do {
            var loaded: LoadedManifest?
            totals.append(milliseconds(try clock.measure { loaded = try ManifestLoader.load(text: text, file: file) }))
            actions = loaded!.manifest.actions.count
            yamls.append(milliseconds(try clock.measure { _ = try YAMLReader.read(text, file: file) }))
            validations.append(milliseconds(clock.measure { _ = validateManifest(loaded!.manifest) }))
            floors.append(libyamlOnly(text))
        } catch {
            fatalError("the manifest does not load:\n\(error)")
        }
    }
    return (median(totals), median(yamls), median(validations), median(floors), actions)
}

print("Manifest load + validate, median of \(runs) runs, \(inputsPerAction) inputs per action")
print(
    "| actions | inputs | YAML bytes | load + validate ms | of which YAML ms | of which validate ms | libyaml alone ms | ratio to libyaml | µs per action |"
)
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
var exceeded = false
if let component = FileManager.default.contents(atPath: "component.yaml").flatMap({ String(data: $0, encoding: .utf8) }) {
    let result = measure(component, file: "component.yaml", runs: runs)
    print(
        "| component.yaml (\(result.actions)) | – | \(component.utf8.count) | \(format(result.median)) | \(format(result.yaml)) | \(format(result.validate)) | \(format(result.libyaml)) | \(String(format: "%.2f", result.median / result.libyaml)) | – |"
    )
}
for size in sizes {
    let text = generateManifest(actions: size, inputs: inputsPerAction)
    let result = measure(text, file: "generated.yaml", runs: runs)
    precondition(result.actions == size)
    print(
        "| \(size) | \(size * inputsPerAction) | \(text.utf8.count) | \(format(result.median)) | \(format(result.yaml)) | \(format(result.validate)) | \(format(result.libyaml)) | \(String(format: "%.2f", result.median / result.libyaml)) | \(String(format: "%.1f", result.median * 1000 / Double(size))) |"
    )
    if size == 1_000, result.median > budgetMilliseconds {
        exceeded = true
    }
}
if exceeded {
    print("The 1,000-action manifest took longer than the \(Int(budgetMilliseconds)) ms budget.")
    exit(1)
}
