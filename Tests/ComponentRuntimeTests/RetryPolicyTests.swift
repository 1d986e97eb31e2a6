import ComponentCore
@testable import ComponentHTTP
import ComponentManifest
import ComponentRuntime
import Foundation
import HTTPTypes
import Logging
import TestSupport
import Testing

/// The one retry policy: stated in the manifest's `retry:`, exported for engines, followed by the
/// service client; "safe to repeat" from the element's hints as well as the method.
@Suite(.timingInsensitive) struct RetryPolicyTests {
    static let manifest = """
        key: demo
        version: "2.1.0"
        display:
          label: Demo
          description: A demo component.
        retry:
          attempts: 2
          engineAttempts: 4
          retryAfterMaxMs: 1500
          backoff: {initialMs: 0, multiplier: 1, maximumMs: 0, jitter: false}
        actions:
          - key: greet
            label: Greet
            description: Says hello.
            inputs: []
            examplePayload:
              data: hello
        """

    @Test func theManifestStatesItAndTheExportCarriesIt() throws {
        let manifest = try ManifestLoader.load(text: Self.manifest, file: "component.yaml").manifest
        #expect(manifest.version == "2.1.0")
        #expect(
            manifest.retry
                == RetrySettings(
                    attempts: 2, initialDelayMs: 0, multiplier: 1, maximumDelayMs: 0, jitter: false, retryAfterMaxMs: 1500,
                    engineAttempts: 4))
        let exported = ManifestExport.json(manifest)
        #expect(exported["component"]?["version"] == "2.1.0")
        #expect(
            exported["retry"]
                == [
                    "attempts": 2, "backoff": ["initialMs": 0, "multiplier": 1.0, "maximumMs": 0, "jitter": false],
                    "retryAfterMaxMs": 1500, "engineAttempts": 4,
                ])
        let policy = RetryPolicy(manifest.retry)
        #expect(policy.maxRetries == 1 && policy.backoff == .none && policy.retryAfterCap == .milliseconds(1500))
    }

    @Test func aValueOutOfRangeIsAnErrorAtItsPlace() {
        let text = Self.manifest.replacingOccurrences(of: "  attempts: 2", with: "  attempts: 0")
        do {
            _ = try ManifestLoader.load(text: text, file: "component.yaml")
            Issue.record("a manifest with 'attempts: 0' loaded")
        } catch {
            #expect(
                error.diagnostics.map(\.description) == [
                    "component.yaml:7:13: error: The field 'attempts' of the component's 'retry' must be from 1 to 10, not 0."
                ])
        }
    }

    @Test func theDefaultsAreTheRuntimes() throws {
        let text = Self.manifest.components(separatedBy: "retry:\n")[0] + "actions:" + Self.manifest.components(separatedBy: "actions:")[1]
        let manifest = try ManifestLoader.load(text: text, file: "component.yaml").manifest
        #expect(manifest.retry == .default)
        #expect(RetryPolicy(manifest.retry).maxRetries == RetryPolicy.default.maxRetries)
        #expect(ManifestExport.json(manifest)["retry"]?["engineAttempts"] == 8)
    }

    /// The client retries by the manifest's numbers: two attempts, then a retryable error that
    /// keeps its cause.
    @Test func theServiceClientFollowsTheManifest() async throws {
        try await withTestServer(handler: { _ in .json(503, #"{"message":"busy"}"#) }) { server in
            let manifest = try ManifestLoader.load(text: Self.manifest, file: "component.yaml").manifest
            let client = ServiceClient(
                name: "Demo", baseURL: server.baseURL, settings: ServiceSettings(retry: RetryPolicy(manifest.retry)), auth: nil,
                logger: nil)
            await #expect {
                _ = try await client.json(HTTPClientRequest(method: .get, url: "/things"))
            } throws: { error in
                guard let error = error as? ComponentError else { return false }
                return error.kind == .upstream && error.retryable && error.details?["attempts"] == 2 && error.cause is HTTPError
            }
            #expect(server.requests.count == 2)
        }
    }

    /// A POST of an element the manifest hints idempotent is retried on a 5xx; the same POST of a
    /// send is not, and its error says it may have been sent.
    @Test func theHintsDecideWhatIsSafeToRepeat() async throws {
        for repeatable in [true, false] {
            try await withTestServer(handler: { _ in .json(502, "{}") }) { server in
                let policy = RetryPolicy(maxRetries: 2, backoff: .none)
                let client = ServiceClient(
                    name: "Demo", baseURL: server.baseURL, settings: ServiceSettings(retry: policy), auth: .bearer(Secret("tok-1")),
                    repeatable: repeatable, logger: nil)
                do throws(ComponentError) {
                    _ = try await client.send(HTTPClientRequest(method: .post, url: "/update", body: .json(["a": 1])))
                    Issue.record("a 502 succeeded")
                } catch {
                    #expect(error.maybeSent == !repeatable)
                    #expect(error.retryable == repeatable)
                }
                #expect(server.requests.count == (repeatable ? 3 : 1))
                #expect(server.requests.allSatisfy { $0.header("Authorization") == "Bearer tok-1" })
            }
        }
    }

    /// An error is never retryable once any attempt may have taken effect, whatever ended the
    /// last one: a send cancelled in flight, a 429 after an earlier attempt that may have arrived.
    @Test func nothingThatMayHaveTakenEffectIsRetryable() {
        let cancelled = HTTPError(kind: .cancelled, method: .post, url: "http://x", attempts: 1, message: "", maybeSent: true)
        #expect(!cancelled.retryable)
        let unsent = HTTPError(kind: .cancelled, method: .post, url: "http://x", attempts: 1, message: "", maybeSent: false)
        #expect(unsent.retryable)
        let limited = HTTPError(
            kind: .upstream, method: .post, url: "http://x", status: .tooManyRequests, attempts: 2, message: "", maybeSent: true)
        #expect(!limited.retryable)
    }

    /// A credential in a header of the service's own is redacted from the trace and never follows
    /// a redirect to another address.
    @Test func aHeaderCredentialFollowsNoRedirect() async throws {
        try await withTestServer(handler: { request in
            request.target == "/moved" ? .json(200, "{}") : .respond(status: 302, headers: [("Location", "/moved")])
        }) { server in
            let client = ServiceClient(
                name: "Demo", baseURL: server.baseURL, settings: ServiceSettings(), auth: .header(name: "X-Api-Key", value: Secret("k-9")),
                logger: nil)
            do throws(ComponentError) {
                _ = try await client.send(HTTPClientRequest(method: .get, url: "/start"))
                Issue.record("the redirect was followed")
            } catch {
                #expect(error.status == 302)
            }
            #expect(server.requests.map(\.target) == ["/start"])
            #expect(server.requests.first?.header("X-Api-Key") == "k-9")
            var request = HTTPClientRequest(method: .get, url: "/start", headerFields: [HTTPField.Name("X-Api-Key")!: "k-9"])
            request.secretHeaderFields = [HTTPField.Name("X-Api-Key")!]
            #expect(request.redactedHeaders == "X-Api-Key: <redacted>")
        }
    }

    /// A secret in the query never follows a redirect either: the Location could keep the query.
    @Test func aSecretQueryFollowsNoRedirect() async throws {
        try await withTestServer(handler: { request in
            request.target.hasPrefix("/moved") ? .json(200, "{}") : .respond(status: 302, headers: [("Location", "/moved?NationalId=QX1")])
        }) { server in
            let client = ServiceClient(name: "Demo", baseURL: server.baseURL, settings: ServiceSettings(), auth: nil, logger: nil)
            var request = HTTPClientRequest(method: .get, url: "/start", query: [("NationalId", "QX1")])
            request.secretQueryParameters = ["NationalId"]
            do throws(ComponentError) {
                _ = try await client.send(request)
                Issue.record("the redirect was followed")
            } catch {
                #expect(error.status == 302)
            }
            #expect(server.requests.map(\.target) == ["/start?NationalId=QX1"])
            _ = try await client.send(HTTPClientRequest(method: .get, url: "/start", query: [("NationalId", "QX1")]))
            #expect(server.requests.map(\.target).last == "/moved?NationalId=QX1", "the control: without it, the redirect is followed")
        }
    }

    /// `retryable` on the error is the same rule the attempts followed: a 429 always, a 5xx only
    /// when nothing can have taken effect twice.
    @Test func retryableIsTheSameRule() {
        func error(_ status: Int, maybeSent: Bool) -> HTTPError {
            HTTPError(
                kind: .upstream, method: .post, url: "http://x", status: HTTPResponse.Status(code: status), attempts: 1, message: "",
                maybeSent: maybeSent)
        }
        let policy = RetryPolicy.default
        for status in [400, 409, 429, 500, 503] {
            for repeatable in [true, false] {
                let outcome = AttemptOutcome.response(status: HTTPResponse.Status(code: status), headerFields: [:])
                let retried = policy.shouldRetry(outcome, repeatable: repeatable, accepted: 200..<300).retry
                let maybeSent = status >= 500 && !repeatable
                #expect(error(status, maybeSent: maybeSent).retryable == retried, "status \(status), repeatable \(repeatable)")
            }
        }
    }
}
