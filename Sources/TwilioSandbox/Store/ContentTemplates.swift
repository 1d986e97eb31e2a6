import ComponentCore
import Foundation
import Synchronization

/// Content templates (Twilio's Content API, SIDs `HX` + 32 hex digits): a body with `{{name}}`
/// placeholders, and the value each placeholder takes when a send gives none. Three are built in;
/// `POST /__sandbox/content` adds more; a reset keeps only the built-in ones.
final class ContentTemplates: Sendable {
    struct Template: Sendable {
        var sid: String
        var friendlyName: String
        var body: String
        /// Each placeholder's value when a send's ContentVariables has none, in the order given.
        var variables: [(name: String, value: String)]

        var json: JSONValue {
            var values = JSONObject()
            for variable in variables { values[variable.name] = .string(variable.value) }
            return ["sid": .string(sid), "friendlyName": .string(friendlyName), "body": .string(body), "variables": .object(values)]
        }
    }

    static let builtIn: [Template] = [
        Template(
            sid: "HX" + String(repeating: "a1", count: 16), friendlyName: "appointment_reminder",
            body: "Your appointment is coming up on {{1}} at {{2}}. Reply C to confirm.",
            variables: [("1", "12/1"), ("2", "3pm")]),
        Template(
            sid: "HX" + String(repeating: "b2", count: 16), friendlyName: "order_shipped",
            body: "Hi {{1}}, your order {{2}} has shipped and arrives {{3}}.",
            variables: [("1", "there"), ("2", "#1234"), ("3", "soon")]),
        Template(
            sid: "HX" + String(repeating: "c3", count: 16), friendlyName: "verification_code",
            body: "Your verification code is {{1}}. It expires in 10 minutes.", variables: [("1", "123456")]),
    ]

    private let templates = Mutex<[String: Template]>(ContentTemplates.indexed(ContentTemplates.builtIn))

    private static func indexed(_ templates: [Template]) -> [String: Template] {
        Dictionary(uniqueKeysWithValues: templates.map { ($0.sid, $0) })
    }

    func template(sid: String) -> Template? {
        templates.withLock { $0[sid] }
    }

    /// Every template, built-in ones first, then by SID.
    var all: [Template] {
        let stored = templates.withLock { Array($0.values) }
        let builtInSids = Set(Self.builtIn.map(\.sid))
        return Self.builtIn + stored.filter { !builtInSids.contains($0.sid) }.sorted { $0.sid < $1.sid }
    }

    /// Stores a new template under a fresh SID, or says what is wrong with it.
    func add(friendlyName: String, body: String, variables: [(name: String, value: String)]) -> Result<Template, ContentProblem> {
        if body.isEmpty { return .failure(ContentProblem("body must not be empty.")) }
        if let problem = ContentPlaceholders.problem(in: body) { return .failure(problem) }
        if let empty = variables.first(where: { $0.name.isEmpty || $0.value.isEmpty }) {
            return .failure(ContentProblem("variables must have non-empty names and values, but '\(empty.name)' has \"\(empty.value)\"."))
        }
        let sid = MessagesAPI.newSid("HX")
        let template = Template(sid: sid, friendlyName: friendlyName, body: body, variables: variables)
        templates.withLock { $0[sid] = template }
        return .success(template)
    }

    func reset() {
        templates.withLock { $0 = Self.indexed(Self.builtIn) }
    }
}

/// Why a template or a send's variables cannot be used.
struct ContentProblem: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The `{{name}}` placeholders of a template body, and the body with them filled in, as Twilio
/// renders a content template: a name is letters, digits or `_`, spaces around it ignored.
enum ContentPlaceholders {
    private enum Piece {
        case text(Substring)
        case placeholder(String)
    }

    private static func pieces(of body: String) -> Result<[Piece], ContentProblem> {
        var pieces: [Piece] = []
        var rest = body[...]
        while let open = rest.range(of: "{{") {
            pieces.append(.text(rest[..<open.lowerBound]))
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(ContentProblem("a placeholder opened with {{ is never closed with }}."))
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return .failure(ContentProblem("{{}} is an empty placeholder; write {{1}}.")) }
            guard name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }) else {
                return .failure(ContentProblem("{{\(name)}} is not a placeholder name (letters, digits and _)."))
            }
            pieces.append(.placeholder(name))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(rest))
        return .success(pieces)
    }

    /// What makes `body` unusable as a template (a placeholder unclosed, empty or misnamed), if anything.
    static func problem(in body: String) -> ContentProblem? {
        if case .failure(let problem) = pieces(of: body) { return problem }
        return nil
    }

    /// `template`'s body with each placeholder replaced by its value in `variables`, or else the
    /// template's own value for it.
    static func render(_ template: ContentTemplates.Template, variables: [String: String]) -> Result<String, ContentProblem> {
        pieces(of: template.body).flatMap { pieces in
            var rendered = ""
            for piece in pieces {
                switch piece {
                case .text(let text): rendered += text
                case .placeholder(let name):
                    guard let value = variables[name] ?? template.variables.first(where: { $0.name == name })?.value else {
                        return .failure(ContentProblem("ContentVariables has no value for {{\(name)}}, and the template none either."))
                    }
                    rendered += value
                }
            }
            return .success(rendered)
        }
    }

    /// A send's ContentVariables: a JSON object whose values are text (numbers are taken as their
    /// text), none empty or null, as Twilio requires.
    static func variables(_ text: String) -> Result<[String: String], ContentProblem> {
        guard let parsed = try? JSONParser.parse(Array(text.utf8)), case .object(let object) = parsed else {
            return .failure(ContentProblem("ContentVariables must be a JSON object such as {\"1\": \"12/1\"}, but is \(text)."))
        }
        var variables: [String: String] = [:]
        for (name, value) in object {
            let text: String
            switch value {
            case .string(let string): text = string
            case .integer, .number: text = JSONWriter.string(from: value)
            default:
                return .failure(ContentProblem("ContentVariables' \"\(name)\" must be text, not \(JSONWriter.string(from: value))."))
            }
            guard !name.isEmpty, !text.isEmpty else {
                return .failure(ContentProblem("ContentVariables' \"\(name)\" is empty; every variable needs a value."))
            }
            variables[name] = text
        }
        return .success(variables)
    }
}
