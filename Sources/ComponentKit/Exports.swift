// Everything a component's own package needs, through one import: the JSON and secret types, the
// manifest model, the HTTP client and its retry policy, the runtime (handlers, errors, the service
// client, webhook requests), the host front ends (ComponentMain) and MCP. See docs/writing-a-component.md.
@_exported public import ComponentCore
@_exported public import ComponentHTTP
@_exported public import ComponentHost
@_exported public import ComponentMCP
@_exported public import ComponentManifest
@_exported public import ComponentRuntime
@_exported public import HTTPTypes
@_exported public import Logging
