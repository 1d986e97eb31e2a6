// run-action for the Twilio component: runs one action locally and prints its envelope; without
// credentials, against a sandbox started in this process.
import ComponentHost
import TwilioHost
import TwilioInProcessSandbox

await RunActionHarness.main(TwilioHosting.component(commandName: "run-action", sandbox: InProcessSandbox()))
