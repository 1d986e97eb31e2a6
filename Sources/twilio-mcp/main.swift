// twilio-mcp: twilio-component with `mcp` served in-process. The MCP SDK needs full Foundation,
// which twilio-component leaves out; its `mcp` runs this executable with the same arguments.
import ComponentHost
import ComponentMCP
import TwilioHost

var component = TwilioHosting.component(commandName: "twilio-component", sandbox: SandboxExecutable())
component.mcp = .inProcess
await ComponentTool.main(component)
