import ComponentKit
import ComponentTesting
import Testing

@testable import SendGridComponent

/// The connection check (`sendgrid-component check`): the key works and may send. ComponentHarness
/// has no `check`, so the check runs directly, with the settings a run would give it.
@Suite struct ScopeCheckTests {
    func check(answer: TestHTTPServer.Action) async throws -> (Result<JSONValue, any Error>, [TestHTTPServer.Request]) {
        let server = try TestHTTPServer { _ in answer }
        defer { server.stop() }
        let context = ActionContext(
            logger: Logger(label: "test"),
            connection: ResolvedConnection(
                key: "apiKey", fields: ResolvedInputs(values: ["apiKey": .string(apiKey)], secretKeys: ["apiKey"])),
            invocationID: "test", debug: false, elementKey: "apiKey")
        let check = ScopeCheck(settings: ServiceSettings(baseURL: server.baseURL, retry: .never))
        do {
            return (.success(try await check.check(context: context)), server.requests)
        } catch {
            return (.failure(error), server.requests)
        }
    }

    @Test func aKeyWithMailSendPasses() async throws {
        let (result, requests) = try await check(answer: .json(200, #"{"scopes": ["mail.send", "alerts.read"]}"#))
        let details = try result.get()
        #expect(details["mailSend"] == true)
        #expect(details["scopes"] == 2)
        #expect(requests.first?.target == "/v3/scopes")
        #expect(requests.first?.header("Authorization") == "Bearer \(apiKey)")
    }

    @Test func aKeyWithoutMailSendFails() async throws {
        let (result, _) = try await check(answer: .json(200, #"{"scopes": ["alerts.read"]}"#))
        #expect(throws: ComponentError.self) { try result.get() }
        if case .failure(let error as ComponentError) = result {
            #expect(error.kind == .connection)
            #expect(error.code == "missing_scope")
        }
    }
}
