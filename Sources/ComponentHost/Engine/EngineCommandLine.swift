import ArgumentParser

/// Where a front end finds its service and connection: `--base-url` and `--sandbox`.
package struct EngineTarget: Equatable, Sendable {
    package var baseURL: String?
    package var sandbox = false
}

/// The engine front end's command line, parsed: what ``ComponentTool`` runs.
///
/// The subcommands an engine runs once per step (and `serve`, `manifest`) are read here by hand
/// when their arguments take the plain forms their help shows. Swift Argument Parser builds every
/// subcommand's arguments through reflection and dynamic casts, and each cast's first miss scans
/// every protocol conformance of the process: about a fifth of a cold `invoke`'s instructions.
/// Anything else (help, a mistake, an unusual form) goes through Argument Parser, for its messages.
enum EngineCommandLine: Equatable {
    struct OneShot: Equatable {
        var requestFile: String?
        var pretty = false
        var target = EngineTarget()
    }

    case oneShot(EngineElementKind, OneShot)
    case serve(concurrency: Int, EngineTarget)
    case manifest(compact: Bool)
    /// Everything Argument Parser runs or reports itself: `mcp`, `docs`, `validate`, help.
    case parsed(any ParsableCommand)

    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.oneShot(let a, let x), .oneShot(let b, let y)): a == b && x == y
        case (.serve(let a, let x), .serve(let b, let y)): a == b && x == y
        case (.manifest(let a), .manifest(let b)): a == b
        default: false
        }
    }

    /// `arguments` (without the program name), read by hand when they take a plain form, else
    /// through Argument Parser.
    static func parse(_ arguments: [String]) throws -> Self {
        try plain(arguments) ?? parsedByArgumentParser(arguments)
    }

    /// `arguments` as Argument Parser reads them: what ``plain(_:)`` must agree with.
    static func parsedByArgumentParser(_ arguments: [String]) throws -> Self {
        Self(try ComponentToolCommand.parseAsRoot(arguments))
    }

    init(_ command: any ParsableCommand) {
        switch command {
        case let command as InvokeCommand: self = .oneShot(.action, command.options.plain)
        case let command as TriggerCommand: self = .oneShot(.trigger, command.options.plain)
        case let command as DataSourceCommand: self = .oneShot(.dataSource, command.options.plain)
        case let command as CheckCommand: self = .oneShot(.check, command.options.plain)
        case let command as ServeCommand: self = .serve(concurrency: command.concurrency, command.engine.target)
        case let command as ManifestCommand: self = .manifest(compact: command.compact)
        default: self = .parsed(command)
        }
    }

    /// The command line when it is one of the plain forms: a subcommand below, then its options,
    /// each once, as `--name value` or `--name=value`. Nil for anything else.
    static func plain(_ arguments: [String]) -> Self? {
        guard let name = arguments.first else { return nil }
        let oneShotKinds: [String: EngineElementKind] = [
            "invoke": .action, "trigger": .trigger, "data-source": .dataSource, "check": .check,
        ]
        let kind = oneShotKinds[name]
        guard kind != nil || name == "serve" || name == "manifest" else { return nil }

        var target = EngineTarget()
        var requestFile: String?
        var pretty = false
        var concurrency: Int?
        var compact = false
        var seen: Set<String> = []
        var rest = arguments.dropFirst()[...]
        while let argument = rest.popFirst() {
            let option: Substring
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                option = argument[..<equals]
                value = String(argument[argument.index(after: equals)...])
            } else {
                option = argument[...]
            }
            guard seen.insert(String(option)).inserted else { return nil }
            // An option's value: after "=" or the next argument, which must not look like an option.
            func takeValue() -> String? {
                if let value { return value }
                guard let next = rest.first, !next.hasPrefix("-") else { return nil }
                return rest.removeFirst()
            }
            switch (option, kind != nil, name) {
            case ("--request", true, _):
                guard let file = takeValue() else { return nil }
                requestFile = file
            case ("--pretty", true, _) where value == nil:
                pretty = true
            case ("--compact", false, "manifest") where value == nil:
                compact = true
            case ("--concurrency", false, "serve"):
                guard let text = takeValue(), let number = Int(text), (1...ServeCommand.maximumConcurrency).contains(number) else {
                    return nil
                }
                concurrency = number
            case ("--base-url", _, _) where name != "manifest":
                guard let url = takeValue() else { return nil }
                target.baseURL = url
            case ("--sandbox", _, _) where name != "manifest" && value == nil:
                target.sandbox = true
            default:
                return nil
            }
        }
        if let kind { return .oneShot(kind, OneShot(requestFile: requestFile, pretty: pretty, target: target)) }
        if name == "serve" { return .serve(concurrency: concurrency ?? ServeCommand.defaultConcurrency, target) }
        return .manifest(compact: compact)
    }
}

extension EngineOptions {
    var target: EngineTarget { EngineTarget(baseURL: baseURL, sandbox: sandbox) }
}

extension OneShotOptions {
    var plain: EngineCommandLine.OneShot { EngineCommandLine.OneShot(requestFile: requestFile, pretty: pretty, target: engine.target) }
}
