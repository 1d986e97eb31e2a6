// twilio-component: the Twilio component as workflow engines load it (see docs/protocol.md).
// `--sandbox` runs the twilio-sandbox executable beside it as the stand-in.
import ComponentHost
import TwilioHost

await ComponentTool.main(TwilioHosting.component(commandName: "twilio-component", sandbox: SandboxExecutable()))
