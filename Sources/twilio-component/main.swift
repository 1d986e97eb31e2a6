// twilio-component: the Twilio component as workflow engines load it (see docs/protocol.md).
import ComponentHost
import TwilioHost

await ComponentTool.main(TwilioHosting.component(commandName: "twilio-component"))
