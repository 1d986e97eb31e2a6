public import ComponentCore

/// Where a host wants a result written as it is produced (standard output, an engine's pipe).
public struct ResultSink: Sendable {
    /// Writes text as it comes; each call is a complete piece.
    public var write: @Sendable (String) -> Void
    /// Indented (for people) or compact (one line, for JSON-lines).
    public var style: JSONWriter.Style

    /// A sink.
    public init(style: JSONWriter.Style, write: @escaping @Sendable (String) -> Void) {
        self.style = style
        self.write = write
    }

    /// Writes `{"data": {"<key>": [` then each element as it arrives, then `], <summary>}}`. If the
    /// list fails part way, the data written so far is closed and `"error": {...}` follows it, so
    /// the output stays one valid JSON document. Secrets are scrubbed from every piece.
    /// - Returns: the classified error, when the list failed.
    func stream(
        _ list: StreamedList, scrubber: SecretScrubber, classify: (any Error) -> ComponentError
    ) async -> ComponentError? {
        var head = "{"
        JSONWriter.newline(&head, style: style, indent: 1)
        head += key("data") + "{"
        JSONWriter.newline(&head, style: style, indent: 2)
        head += key(list.key) + "["
        write(head)

        var count = 0
        var failure: ComponentError?
        do {
            for try await element in list.elements {
                var piece = count == 0 ? "" : ","
                JSONWriter.newline(&piece, style: style, indent: 3)
                JSONWriter.write(scrubber.scrub(element), to: &piece, style: style, indent: 3)
                write(piece)
                count += 1
            }
        } catch {
            var classified = classify(error)
            classified.message = scrubber.scrub(classified.message)
            failure = classified
        }

        var tail = ""
        if count > 0 { JSONWriter.newline(&tail, style: style, indent: 2) }
        tail += "]"
        for (name, value) in await list.summary() {
            tail += ","
            JSONWriter.newline(&tail, style: style, indent: 2)
            tail += key(name)
            JSONWriter.write(scrubber.scrub(value), to: &tail, style: style, indent: 2)
        }
        JSONWriter.newline(&tail, style: style, indent: 1)
        tail += "}"
        if let failure {
            tail += ","
            JSONWriter.newline(&tail, style: style, indent: 1)
            tail += key("error")
            JSONWriter.write(scrubber.scrub(failure.envelope["error"] ?? .null), to: &tail, style: style, indent: 1)
        }
        JSONWriter.newline(&tail, style: style, indent: 0)
        tail += "}"
        write(tail)
        return failure
    }

    private func key(_ name: String) -> String {
        var text = ""
        JSONWriter.writeString(name, to: &text)
        return text + (style == .pretty ? ": " : ":")
    }
}
