import ComponentCore
import Foundation

/// Why a TwiML document cannot run, with the Twilio error code a call's debugger shows for it.
struct TwiMLProblem: Error, Sendable, Equatable {
    /// 12100 (the document is not XML), 12200 (it is not valid TwiML: unknown verb, bad nesting,
    /// missing or bad attribute), or 12300 (the answer was not XML at all).
    var code: Int
    var message: String

    var json: JSONValue { ["error": .integer(code), "message": .string(message)] }
}

/// Reads a TwiML document into verbs, checking it as Twilio's schema does: a `<Response>` root,
/// known verbs nested where they may be, required parts present, attributes of the right form.
/// Conference, queues and streams are refused as unsupported by the sandbox (12200).
enum TwiMLParser {
    static func parse(_ text: String) -> Result<[TwiMLVerb], TwiMLProblem> {
        let root: XMLTree.Element
        do {
            root = try XMLTree.parse(text)
        } catch {
            return .failure(TwiMLProblem(code: 12100, message: "Document parse failure: \(error.description)."))
        }
        guard root.name == "Response" else {
            return .failure(schema(root, "the root element must be <Response>, not <\(root.name)>"))
        }
        do throws(TwiMLProblem) {
            return .success(try root.elements.map { element throws(TwiMLProblem) in try verb(element) })
        } catch {
            return .failure(error)
        }
    }

    private static let unsupported: Set<String> = [
        "Enqueue", "Leave", "Conference", "Queue", "Connect", "Start", "Stop", "Stream", "Siprec", "Pay", "Prompt", "Refer", "Sms",
        "Message", "Echo",
    ]

    private static func verb(_ element: XMLTree.Element) throws(TwiMLProblem) -> TwiMLVerb {
        switch element.name {
        case "Say":
            try noChildren(element)
            return .say(
                text: element.text, voice: element.attribute("voice"), language: element.attribute("language"),
                loop: try integer(element, "loop", default: 1, range: 0...1000))
        case "Play":
            try noChildren(element)
            let url = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let digits = element.attribute("digits")
            if url.isEmpty && digits == nil { throw schema(element, "<Play> needs a URL to play (or a digits attribute)") }
            if let digits, !digits.allSatisfy({ "0123456789*#wW".contains($0) }) {
                throw schema(element, "<Play digits> may hold only 0-9, *, # and w, not \(digits)")
            }
            return .play(url: url, loop: try integer(element, "loop", default: 1, range: 0...1000), digits: digits)
        case "Pause":
            try noChildren(element)
            return .pause(length: try integer(element, "length", default: 1, range: 0...600))
        case "Gather":
            return .gather(try gather(element))
        case "Dial":
            return .dial(try dial(element))
        case "Record":
            try noChildren(element)
            return .record(
                TwiMLRecord(
                    action: element.attribute("action"), method: try method(element, "method"),
                    maxLength: try integer(element, "maxLength", default: 3600, range: 1...14_400),
                    timeout: try integer(element, "timeout", default: 5, range: 0...3600),
                    finishOnKey: element.attribute("finishOnKey") ?? "1234567890*#",
                    playBeep: try boolean(element, "playBeep", default: true),
                    recordingStatusCallback: element.attribute("recordingStatusCallback"),
                    recordingStatusCallbackMethod: try method(element, "recordingStatusCallbackMethod"),
                    recordingStatusCallbackEvents: (element.attribute("recordingStatusCallbackEvent") ?? "completed").split(separator: " ")
                        .map(String.init), trim: element.attribute("trim") ?? "do-not-trim"))
        case "Redirect":
            try noChildren(element)
            let url = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if url.isEmpty { throw schema(element, "<Redirect> needs the URL to fetch as its text") }
            return .redirect(url: url, method: try method(element, "method"))
        case "Hangup":
            try noChildren(element)
            return .hangup
        case "Reject":
            try noChildren(element)
            let reason = element.attribute("reason") ?? "rejected"
            guard reason == "rejected" || reason == "busy" else {
                throw schema(element, "<Reject reason> must be rejected or busy, not \(reason)")
            }
            return .reject(reason: reason)
        case let name where unsupported.contains(name):
            throw schema(element, "<\(name)> is TwiML the sandbox does not run")
        default:
            throw schema(element, "<\(element.name)> is not a TwiML voice verb")
        }
    }

    private static func gather(_ element: XMLTree.Element) throws(TwiMLProblem) -> TwiMLGather {
        var prompts: [TwiMLVerb] = []
        for child in element.elements {
            guard ["Say", "Play", "Pause"].contains(child.name) else {
                throw schema(child, "<\(child.name)> cannot be nested in <Gather> (only <Say>, <Play> and <Pause> can)")
            }
            prompts.append(try verb(child))
        }
        let input = Set((element.attribute("input") ?? "dtmf").split(separator: " ").map(String.init))
        guard !input.isEmpty, input.isSubset(of: ["dtmf", "speech"]) else {
            throw schema(element, "<Gather input> must be dtmf, speech or \"dtmf speech\"")
        }
        return TwiMLGather(
            input: input,
            numDigits: try element.attribute("numDigits").map { _ throws(TwiMLProblem) in
                try integer(element, "numDigits", default: 1, range: 1...100)
            }, timeout: try integer(element, "timeout", default: 5, range: 0...600),
            finishOnKey: element.attribute("finishOnKey") ?? "#", action: element.attribute("action"),
            method: try method(element, "method"), actionOnEmptyResult: try boolean(element, "actionOnEmptyResult", default: false),
            prompts: prompts)
    }

    private static func dial(_ element: XMLTree.Element) throws(TwiMLProblem) -> TwiMLDial {
        var targets: [TwiMLDial.Target] = []
        for child in element.elements {
            switch child.name {
            case "Number", "Client", "Sip":
                let address = child.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if address.isEmpty { throw schema(child, "<\(child.name)> needs the address to dial as its text") }
                targets.append(TwiMLDial.Target(noun: child.name, address: address))
            case "Conference", "Queue":
                throw schema(child, "<Dial><\(child.name)> is TwiML the sandbox does not run")
            default:
                throw schema(child, "<\(child.name)> cannot be nested in <Dial>")
            }
        }
        let text = element.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if targets.isEmpty {
            if text.isEmpty { throw schema(element, "<Dial> needs a number as its text or a <Number>, <Client> or <Sip>") }
            targets.append(TwiMLDial.Target(noun: "Number", address: text))
        }
        let record = element.attribute("record") ?? "do-not-record"
        return TwiMLDial(
            targets: targets, timeout: try integer(element, "timeout", default: 30, range: 1...600),
            callerId: element.attribute("callerId"), action: element.attribute("action"), method: try method(element, "method"),
            record: record != "do-not-record" && record != "false",
            timeLimit: try integer(element, "timeLimit", default: 14_400, range: 1...14_400))
    }

    // MARK: Attribute rules

    private static func noChildren(_ element: XMLTree.Element) throws(TwiMLProblem) {
        if let child = element.elements.first { throw schema(child, "<\(child.name)> cannot be nested in <\(element.name)>") }
    }

    private static func integer(_ element: XMLTree.Element, _ name: String, default value: Int, range: ClosedRange<Int>)
        throws(TwiMLProblem) -> Int
    {
        guard let text = element.attribute(name) else { return value }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw schema(
                element, "<\(element.name) \(name)> must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(text)")
        }
        return number
    }

    private static func boolean(_ element: XMLTree.Element, _ name: String, default value: Bool) throws(TwiMLProblem) -> Bool {
        guard let text = element.attribute(name) else { return value }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw schema(element, "<\(element.name) \(name)> must be true or false, not \(text)")
        }
    }

    private static func method(_ element: XMLTree.Element, _ name: String) throws(TwiMLProblem) -> String {
        let text = (element.attribute(name) ?? "POST").uppercased()
        guard text == "GET" || text == "POST" else {
            throw schema(element, "<\(element.name) \(name)> must be GET or POST, not \(element.attribute(name) ?? "")")
        }
        return text
    }

    private static func schema(_ element: XMLTree.Element, _ message: String) -> TwiMLProblem {
        TwiMLProblem(code: 12200, message: "Schema validation warning at line \(element.line), column \(element.column): \(message).")
    }
}
