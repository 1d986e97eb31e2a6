import ComponentCore
public import ComponentManifest

/// Renders a manifest as the component's reference page in Markdown: description, connections
/// with their input tables and notes, triggers, actions and data sources (each with its input
/// table and example payload), in the structure of the original component's public page.
///
/// - Parameters:
///   - manifest: the component.
///   - generator: the command that regenerates the page, named in its "do not edit" line.
/// - Returns: the page, deterministic for a given manifest.
public func renderDocs(_ manifest: ComponentManifest, generator: String) -> String {
    var page = DocsPage()
    page.line("<!-- Generated from component.yaml by \(generator); do not edit. -->")
    page.line("# \(manifest.display.label) Component")
    page.blank()
    page.line(manifest.display.description)
    page.blank()
    page.line("Component key: `\(manifest.key)`")
    if let long = manifest.display.longDescription?.trimmingWhitespace(), !long.isEmpty {
        page.blank()
        page.line("## Description")
        page.blank()
        page.line(long)
    }

    if !manifest.connections.isEmpty {
        page.blank()
        page.line("## Connections")
        for connection in manifest.connections {
            page.blank()
            page.line("### \(connection.label)")
            page.blank()
            page.line("Key: `\(connection.key)`")
            if let description = connection.description?.trimmingWhitespace(), !description.isEmpty {
                page.blank()
                page.line(description)
            }
            for note in connection.notes {
                page.blank()
                page.line("> **\(note.title)**")
                page.line(">")
                page.line("> \(note.text.trimmingWhitespace())")
            }
            page.inputTable(connection.inputs, connections: manifest.connections)
        }
    }
    page.elements("Triggers", manifest.triggers.sorted { $0.label < $1.label }, connections: manifest.connections)
    page.elements("Actions", manifest.actions.sorted { $0.label < $1.label }, connections: manifest.connections)
    page.elements("Data Sources", manifest.dataSources.sorted { $0.label < $1.label }, connections: manifest.connections)
    return page.text
}

private struct DocsPage {
    var text = ""

    mutating func line(_ line: String) { text += line + "\n" }
    mutating func blank() { text += "\n" }

    mutating func elements<Element: ManifestElement>(_ heading: String, _ elements: [Element], connections: [ConnectionDefinition]) {
        guard !elements.isEmpty else { return }
        blank()
        line("## \(heading)")
        for element in elements {
            blank()
            line("### \(element.label)")
            blank()
            line("\(element.description ?? element.label) | key: `\(element.key)`")
            inputTable(element.inputs, connections: connections)
            if let payload = element.examplePayload {
                blank()
                line("Example payload:")
                blank()
                line("```json")
                line(JSONWriter.string(from: payload, style: .pretty))
                line("```")
            }
        }
    }

    mutating func inputTable(_ inputs: [InputDefinition], connections: [ConnectionDefinition]) {
        guard !inputs.isEmpty else { return }
        blank()
        line("| Input | Notes | Example |")
        line("| --- | --- | --- |")
        for input in inputs {
            var notes: [String] = []
            if let comments = input.comments?.trimmingWhitespace(), !comments.isEmpty { notes.append(comments) }
            var facts: [String] = []
            if input.type == .connection {
                facts.append("One of: " + connections.map { "`\($0.key)`" }.joined(separator: ", "))
            } else {
                var kind = "`\(input.type.rawValue)`"
                if let collection = input.collection { kind += ", \(collection == .valuelist ? "list" : "key-value list")" }
                facts.append(kind)
            }
            if input.required { facts.append("required") }
            if let fallback = input.default {
                facts.append("default `\(fallback.stringValue ?? JSONWriter.string(from: fallback))`")
            }
            if let choices = input.choices {
                facts.append("one of " + choices.map { "`\($0.value)`" }.joined(separator: ", "))
            }
            if let dataSource = input.dataSource { facts.append("picked from data source `\(dataSource)`") }
            if let minimum = input.minimum { facts.append("at least \(InputCoercion.formatted(minimum))") }
            if let maximum = input.maximum { facts.append("at most \(InputCoercion.formatted(maximum))") }
            if let maxLength = input.maxLength { facts.append("up to \(maxLength) characters") }
            if let pattern = input.pattern { facts.append("matches `\(pattern)`") }
            notes.append(facts.joined(separator: "; "))
            let example = input.example.map { "`\(cell($0))`" } ?? ""
            line("| \(input.label)<br>`\(input.key)` | \(notes.map(cell).joined(separator: "<br>")) | \(example) |")
        }
    }

    /// Table cells cannot hold pipes or line breaks.
    func cell(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ").split(separator: "|", omittingEmptySubsequences: false).joined(
            separator: "\\|")
    }
}
