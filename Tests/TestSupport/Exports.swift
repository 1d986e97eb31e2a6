// The loopback server and the in-process harness are the kit's (ComponentTesting); the tests here
// reach them through TestSupport too.
@_exported public import ComponentTesting
