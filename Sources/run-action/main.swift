// run-action for the Twilio component: runs one action locally and prints its envelope.
import ComponentHost
import TwilioHost

await RunActionHarness.main(TwilioHosting.component(commandName: "run-action"))
