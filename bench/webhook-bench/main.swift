// Validates X-Twilio-Signature on a set of requests with the component's validator, for
// bench/run.py to compare with the official package's RequestValidator on the same set.
//
// Usage: webhook-bench FILE [--rounds N]
// FILE is JSON: [{"url", "params": [[name, value], ...], "signature", "token"}, ...].
// Prints JSON: {"count", "valid", "seconds": [per round]} (validation only, parsing excluded).
import ComponentCore
import Foundation
import TwilioComponent

var arguments = CommandLine.arguments.dropFirst()
guard let file = arguments.popFirst() else {
    FileHandle.standardError.write(Data("usage: webhook-bench FILE [--rounds N]\n".utf8))
    exit(64)
}
var rounds = 5
while let flag = arguments.popFirst() {
    if flag == "--rounds", let value = arguments.popFirst().flatMap({ Int($0) }) {
        rounds = value
    } else {
        FileHandle.standardError.write(Data("unknown flag \(flag)\n".utf8))
        exit(64)
    }
}

struct Case {
    var url: String
    var parameters: [(String, String)]
    var signature: String
    var validator: TwilioSignatureValidator
}

guard let data = FileManager.default.contents(atPath: file), case .array(let items) = try JSONParser.parse(data) else {
    FileHandle.standardError.write(Data("\(file): not a JSON list\n".utf8))
    exit(65)
}
let cases: [Case] = items.map { item in
    let parameters = (item["params"]?.arrayValue ?? []).map { pair in
        (pair.arrayValue?[0].stringValue ?? "", pair.arrayValue?[1].stringValue ?? "")
    }
    return Case(
        url: item["url"]?.stringValue ?? "", parameters: parameters, signature: item["signature"]?.stringValue ?? "",
        validator: TwilioSignatureValidator(authToken: item["token"]?.stringValue ?? ""))
}

var seconds: [Double] = []
var valid = 0
for _ in 0..<rounds {
    let clock = ContinuousClock()
    let start = clock.now
    var count = 0
    for item in cases where item.validator.isValid(signature: item.signature, url: item.url, parameters: item.parameters) {
        count += 1
    }
    let elapsed = clock.now - start
    seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    valid = count
}
print(
    JSONWriter.string(from: [
        "count": .integer(cases.count), "valid": .integer(valid), "seconds": .array(seconds.map(JSONValue.number)),
    ]))
