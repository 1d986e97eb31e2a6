import ComponentCore

/// Checks TwiML a user wrote before it is sent, so that a call is not placed with instructions
/// Twilio cannot read (it would answer the callee with an application error instead).
enum TwiMLCheck {
    /// Voice verbs Twilio accepts directly inside `<Response>`.
    static let voiceVerbs: Set<String> = [
        "Say", "Play", "Pause", "Gather", "Dial", "Record", "Redirect", "Hangup", "Reject", "Enqueue", "Leave", "Refer", "Connect",
        "Start", "Stop", "Pay", "Echo",
    ]
    /// What `<Gather>` may hold.
    static let gatherPrompts: Set<String> = ["Say", "Play", "Pause"]
    /// What `<Dial>` may hold besides a number as text.
    static let dialNouns: Set<String> = ["Number", "Client", "Sip", "Conference", "Queue", "Application", "Sim", "WhatsApp"]

    /// Nil when `twiml` is well-formed XML whose root is `<Response>` holding known voice verbs
    /// properly nested; otherwise a sentence saying where and what to fix.
    static func problem(in twiml: String) -> String? {
        let root: XMLTree.Element
        do {
            root = try XMLTree.parse(twiml)
        } catch {
            // The parser's sentence, without its full stop: the caller ends the message.
            let reason = error.message.hasSuffix(".") ? String(error.message.dropLast()) : error.message
            return "It is not well-formed XML at line \(error.line), column \(error.column): \(reason)"
        }
        guard root.name == "Response" else {
            return "Its root element is <\(root.name)> (line \(root.line), column \(root.column)); TwiML starts with <Response>"
        }
        if !root.text.allSatisfy(\.isWhitespace) {
            return "<Response> holds text outside any verb; put spoken text inside <Say>"
        }
        for verb in root.elements {
            guard voiceVerbs.contains(verb.name) else {
                let known = voiceVerbs.sorted().map { "<\($0)>" }.joined(separator: ", ")
                return "<\(verb.name)> (line \(verb.line), column \(verb.column)) is not a voice verb; use one of \(known)"
            }
            if let problem = problem(inside: verb) { return problem }
        }
        return nil
    }

    private static func problem(inside verb: XMLTree.Element) -> String? {
        let allowed: Set<String>
        switch verb.name {
        case "Gather": allowed = gatherPrompts
        case "Dial": allowed = dialNouns
        case "Say", "Play", "Redirect", "Pause", "Hangup", "Reject", "Record", "Leave":
            allowed = verb.name == "Say" ? ["break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"] : []
        default: return nil  // Connect, Start, Pay, ... hold nouns Twilio checks itself
        }
        for child in verb.elements where !allowed.contains(child.name) {
            let inside = allowed.isEmpty ? "nothing but text" : allowed.sorted().map { "<\($0)>" }.joined(separator: ", ")
            return "<\(child.name)> (line \(child.line), column \(child.column)) cannot be inside <\(verb.name)>, which holds \(inside)"
        }
        if (verb.name == "Play" || verb.name == "Redirect") && verb.text.allSatisfy(\.isWhitespace) && verb.attribute("digits") == nil {
            return "<\(verb.name)> (line \(verb.line), column \(verb.column)) needs a URL as its text"
        }
        return nil
    }
}
