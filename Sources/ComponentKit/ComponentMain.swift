public import ComponentHost
import ComponentMCP

/// The `main` of a component's one executable: the engine front end for its subcommands
/// (`invoke`, `serve`, `manifest`, `mcp`, ...; docs/protocol.md) and `--version`, the run-action
/// harness for anything else (`<command> sendEmail --input to=...`, `--list`, `--docs`).
public enum ComponentMain {
    /// Runs `component` with the process's arguments, then exits. `mcp` is served in-process
    /// unless the component says otherwise.
    public static func main(_ component: HostedComponent) async -> Never {
        var component = component
        if component.mcp == nil { component.mcp = .inProcess }
        if let first = CommandLine.arguments.dropFirst().first, first == "--version" || ComponentTool.subcommandNames.contains(first) {
            await ComponentTool.main(component)
        }
        await RunActionHarness.main(component)
    }
}
