// twilio-component: the Twilio component as workflow engines load it (see docs/protocol.md).
// `--sandbox` runs the twilio-sandbox executable beside it as the stand-in, and `mcp` runs
// twilio-mcp beside it: this executable links FoundationEssentials only, no ICU.
import ComponentHost
import TwilioHost

var component = TwilioHosting.component(commandName: "twilio-component", sandbox: SandboxExecutable())
component.mcp = .sibling("twilio-mcp")
await ComponentTool.main(component)
