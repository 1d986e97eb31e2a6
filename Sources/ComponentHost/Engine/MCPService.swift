import ComponentRuntime
import Glibc

/// Who serves `mcp`. The MCP SDK needs full Foundation (and so ICU's data), which an engine
/// executable should not carry: it either serves in-process (ComponentMCP, linked by
/// executables that accept Foundation) or hands the whole command line to a sibling executable
/// that does.
public struct MCPService: Sendable {
    /// Serves MCP for `component` on the process's standard input and output; returns the exit code.
    let serve:
        @Sendable (
            _ component: HostedComponent, _ target: EngineTarget, _ arguments: [String], _ environment: [String: String], _ io: HostIO
        ) async -> Int32

    package init(
        serve:
            @escaping @Sendable (
                _ component: HostedComponent, _ target: EngineTarget, _ arguments: [String], _ environment: [String: String], _ io: HostIO
            )
            async -> Int32
    ) {
        self.serve = serve
    }

    /// Replaces this process with `executable`, found beside this one or else on `PATH`, run with the
    /// same arguments and `environment`: `<command> mcp --sandbox` becomes `<executable> mcp --sandbox`.
    public static func sibling(_ executable: String) -> MCPService {
        MCPService { component, _, arguments, environment, io in
            guard let path = SiblingExecutable.locate(executable, path: environment["PATH"]) else {
                let beside = SiblingExecutable.ownDirectory().map { " (\($0))" } ?? ""
                io.writeErr(
                    "error: `\(component.commandName) mcp` runs the \(executable) executable, which is neither beside this one\(beside) nor on PATH. "
                        + "The release tarball and `make install` put \(executable) beside \(component.commandName): reinstall from one of them, "
                        + "or add the directory that holds it to PATH. The pip wheel carries \(component.commandName) only: "
                        + "for `mcp`, install the tarball too (or build it: swift build --product \(executable)).\n")
                return ComponentTool.usageExitCode
            }
            let code = SiblingExecutable.exec(path, arguments: arguments, environment: environment)
            io.writeErr("error: `\(component.commandName) mcp` could not run \(path): \(String(cString: strerror(code))).\n")
            return ComponentError.Kind.internal.exitCode
        }
    }
}
