/// A matcher for the anchored patterns manifests use most (`^AC[0-9a-fA-F]{32}$`,
/// `^(SM|MM)[0-9a-fA-F]{32}$`, `^[1-9][0-9]{0,2}$`), so that checking an input does not compile a
/// full regular expression, which costs a cold process milliseconds.
///
/// It accepts a strict subset of the syntax: `^`, then literals (escaped or not special),
/// `\d`, classes of characters and ranges (optionally negated), groups of literal alternatives,
/// each optionally quantified with `?`, `*`, `+`, `{n}`, `{m,}` or `{m,n}`, then `$`. Anything else
/// returns `nil` and is left to the standard library's `Regex`; within the subset both give the
/// same answer (a test compares them). Text ending in a line terminator also goes to `Regex`,
/// where `$` may match before it.
struct SimplePattern: Sendable {
    enum Atom: Sendable {
        /// One scalar in (or, negated, out of) these closed ranges.
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)
        /// One of these literal sequences.
        case alternatives([[Unicode.Scalar]])
    }

    struct Item: Sendable {
        var atom: Atom
        var minimum: Int
        var maximum: Int  // Int.max for no limit
    }

    let items: [Item]

    /// The pattern, when it is within the subset.
    init?(_ pattern: String) {
        var scalars = Array(pattern.unicodeScalars)[...]
        guard scalars.first == "^", scalars.last == "$", scalars.count >= 2 else { return nil }
        scalars = scalars.dropFirst().dropLast()
        // An odd run of backslashes before the final `$` escapes it.
        guard scalars.reversed().prefix(while: { $0 == "\\" }).count % 2 == 0 else { return nil }
        var items: [Item] = []
        while let first = scalars.first {
            let atom: Atom
            switch first {
            case "[":
                guard let parsed = Self.parseClass(&scalars) else { return nil }
                atom = parsed
            case "(":
                guard let parsed = Self.parseGroup(&scalars) else { return nil }
                atom = parsed
            case "\\":
                scalars.removeFirst()
                guard let escaped = scalars.popFirst() else { return nil }
                if escaped == "d" {
                    atom = .set(ranges: [48...57], negated: false)
                } else if Self.escapable.contains(escaped) {
                    atom = .set(ranges: [escaped.value...escaped.value], negated: false)
                } else {
                    return nil
                }
            default:
                guard !Self.special.contains(first) else { return nil }
                scalars.removeFirst()
                atom = .set(ranges: [first.value...first.value], negated: false)
            }
            guard let (minimum, maximum) = Self.parseQuantifier(&scalars) else { return nil }
            // A repeated group recurses per repetition; unbounded ones are left to ICU.
            if case .alternatives = atom, maximum > 64 { return nil }
            items.append(Item(atom: atom, minimum: minimum, maximum: maximum))
        }
        self.items = items
    }

    /// Characters with a meaning outside classes; anything else is a literal.
    static let special: Set<Unicode.Scalar> = [".", "[", "]", "(", ")", "|", "?", "*", "+", "{", "}", "^", "$", "\\"]
    /// What may follow `\` to stand for itself.
    static let escapable: Set<Unicode.Scalar> = [".", "[", "]", "(", ")", "|", "?", "*", "+", "{", "}", "^", "$", "\\", "/", "-"]
    /// Line terminators, before which ICU's `$` also matches at the end of the text.
    static let lineTerminators: Set<Unicode.Scalar> = ["\n", "\u{0B}", "\u{0C}", "\r", "\u{85}", "\u{2028}", "\u{2029}"]

    private static func parseClass(_ scalars: inout ArraySlice<Unicode.Scalar>) -> Atom? {
        scalars.removeFirst()  // [
        var negated = false
        if scalars.first == "^" {
            negated = true
            scalars.removeFirst()
        }
        var members: [Unicode.Scalar] = []
        while let next = scalars.first, next != "]" {
            // Nested sets, escapes, set operations and a `^` or `:` inside are ICU's own syntax.
            guard next != "[", next != "\\", next != "&", next != "^", next != ":", next != "$" else { return nil }
            members.append(next)
            scalars.removeFirst()
        }
        guard scalars.popFirst() == "]", !members.isEmpty else { return nil }
        var ranges: [ClosedRange<UInt32>] = []
        var index = 0
        while index < members.count {
            let scalar = members[index]
            if index + 2 < members.count, members[index + 1] == "-" {
                let upper = members[index + 2]
                guard scalar.value <= upper.value, upper != "-" else { return nil }
                ranges.append(scalar.value...upper.value)
                index += 3
            } else {
                // A `-` stands for itself only first or last.
                if scalar == "-", index != 0, index != members.count - 1 { return nil }
                ranges.append(scalar.value...scalar.value)
                index += 1
            }
        }
        return .set(ranges: ranges, negated: negated)
    }

    private static func parseGroup(_ scalars: inout ArraySlice<Unicode.Scalar>) -> Atom? {
        scalars.removeFirst()  // (
        guard scalars.first != "?" else { return nil }  // (?:...), lookaround, flags
        var options: [[Unicode.Scalar]] = [[]]
        while let next = scalars.popFirst() {
            switch next {
            case ")":
                guard !options.contains(where: \.isEmpty) else { return nil }  // an empty alternative
                return .alternatives(options)
            case "|":
                options.append([])
            case "\\":
                guard let escaped = scalars.popFirst(), escapable.contains(escaped) else { return nil }
                options[options.count - 1].append(escaped)
            default:
                guard !special.contains(next) else { return nil }
                options[options.count - 1].append(next)
            }
        }
        return nil
    }

    private static func parseQuantifier(_ scalars: inout ArraySlice<Unicode.Scalar>) -> (Int, Int)? {
        var bounds: (Int, Int)
        switch scalars.first {
        case "?": bounds = (0, 1)
        case "*": bounds = (0, .max)
        case "+": bounds = (1, .max)
        case "{":
            guard let close = scalars.firstIndex(of: "}") else { return nil }
            let body = String(String.UnicodeScalarView(scalars[scalars.index(after: scalars.startIndex)..<close]))
            let parts = body.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard let minimum = Int(parts[0]), minimum >= 0, minimum <= 1000 else { return nil }
            if parts.count == 1 {
                bounds = (minimum, minimum)
            } else if parts[1].isEmpty {
                bounds = (minimum, .max)
            } else {
                guard let maximum = Int(parts[1]), maximum >= minimum, maximum <= 1000 else { return nil }
                bounds = (minimum, maximum)
            }
            scalars = scalars[scalars.index(after: close)...]
            // Lazy and possessive forms are ICU's.
            if let next = scalars.first, next == "?" || next == "+" { return nil }
            return bounds
        default:
            return (1, 1)
        }
        scalars.removeFirst()
        if let next = scalars.first, next == "?" || next == "+" { return nil }
        return bounds
    }

    /// Whether all of `text` matches; `nil` when ICU must decide (a trailing line terminator).
    func matches(_ text: String) -> Bool? {
        let scalars = Array(text.unicodeScalars)
        if let last = scalars.last, Self.lineTerminators.contains(last) { return nil }
        return match(item: 0, at: 0, in: scalars)
    }

    private func match(item index: Int, at position: Int, in text: [Unicode.Scalar]) -> Bool {
        guard index < items.count else { return position == text.count }
        let item = items[index]
        switch item.atom {
        case .set(let ranges, let negated):
            // One scalar per repetition: take as many as allowed, then give back one at a time.
            var run = 0
            while run < item.maximum, position + run < text.count {
                let value = text[position + run].value
                guard ranges.contains(where: { $0.contains(value) }) != negated else { break }
                run += 1
            }
            guard run >= item.minimum else { return false }
            for taken in stride(from: run, through: item.minimum, by: -1) where match(item: index + 1, at: position + taken, in: text) {
                return true
            }
            return false
        case .alternatives(let options):
            return repeatGroup(options, item: item, index: index, count: 0, at: position, in: text)
        }
    }

    private func repeatGroup(_ options: [[Unicode.Scalar]], item: Item, index: Int, count: Int, at position: Int, in text: [Unicode.Scalar])
        -> Bool
    {
        if count < item.maximum {
            // Greedy, alternatives in order, as a backtracking engine tries them.
            for option in options where position + option.count <= text.count {
                if text[position..<(position + option.count)].elementsEqual(option),
                    repeatGroup(options, item: item, index: index, count: count + 1, at: position + option.count, in: text)
                {
                    return true
                }
            }
        }
        return count >= item.minimum && match(item: index + 1, at: position, in: text)
    }
}
