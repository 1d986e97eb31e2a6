// sendgrid-component: `invoke`, `trigger`, `serve`, `manifest`, `mcp`, ... for workflow engines
// (docs/protocol.md), or else the run-action harness (`sendgrid-component sendEmail --input ...`).
import ComponentKit
import SendGridComponent

await ComponentMain.main(SendGridComponent.hosted())
