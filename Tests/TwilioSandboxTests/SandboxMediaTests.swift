import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TwilioSandbox

/// A message's media (list, fetch, content, delete, gone with the message) and redaction.
@Suite(.timingInsensitive) struct SandboxMediaTests {
    static let mms: [(String, String)] = [
        ("To", "+14155550100"), ("From", "+15005550006"), ("MediaUrl", "https://example.com/cat.png"),
        ("MediaUrl", "https://example.com/photos/dog.JPEG?size=large"),
    ]

    func mediaPath(_ client: SandboxTestClient, _ message: String, _ media: String? = nil) -> String {
        let base = "/2010-04-01/Accounts/\(client.credentials.accountSid)/Messages/\(message)/Media"
        return media.map { base + "/\($0).json" } ?? base + ".json"
    }

    @Test func mediaRoundTrip() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let created = try client.json(try await client.create(Self.mms))
            let sid = try #require(created["sid"]?.stringValue)
            #expect(sid.hasPrefix("MM"))
            #expect(created["num_media"] == "2")
            #expect(created["subresource_uris"]?["media"] == .string(mediaPath(client, sid)))

            let listed = try await client.send(.get, mediaPath(client, sid))
            #expect(listed.status == 200)
            let list = try client.json(listed)
            let items = try #require(list["media_list"]?.arrayValue)
            #expect(items.map { $0["content_type"] } == ["image/png", "image/jpeg"])
            #expect(items.allSatisfy { $0["parent_sid"] == .string(sid) && $0["account_sid"] == .string(credentials.accountSid) })
            #expect(list["page"] == 0)
            #expect(list["next_page_uri"] == .null)
            #expect(list["date_created"] == nil)
            let png = try #require(items.first?["sid"]?.stringValue)
            let jpeg = try #require(items.last?["sid"]?.stringValue)
            #expect(png.hasPrefix("ME") && png.count == 34 && png != jpeg)

            let fetched = try client.json(try await client.send(.get, mediaPath(client, sid, png)))
            #expect(fetched == items[0])
            #expect(fetched["uri"] == .string(mediaPath(client, sid, png)))
            #expect(fetched["date_created"] == created["date_created"])

            let bytes = try await client.send(.get, String(mediaPath(client, sid, png).dropLast(5)))
            #expect(bytes.status == 200)
            #expect(bytes.headerFields[.contentType] == "image/png")
            #expect(Array(bytes.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let again = try await client.send(.get, String(mediaPath(client, sid, png).dropLast(5)))
            #expect(again.body == bytes.body, "the same bytes on every request")
            let photo = try await client.send(.get, String(mediaPath(client, sid, jpeg).dropLast(5)))
            #expect(photo.headerFields[.contentType] == "image/jpeg")
            #expect(Array(photo.body.prefix(2)) == [0xFF, 0xD8] && Array(photo.body.suffix(2)) == [0xFF, 0xD9])

            let deleted = try await client.send(.delete, mediaPath(client, sid, jpeg))
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(try await client.send(.delete, mediaPath(client, sid, jpeg)).status == 404)
            #expect(try await client.send(.get, mediaPath(client, sid, jpeg)).status == 404)
            let remaining = try client.json(try await client.send(.get, mediaPath(client, sid)))["media_list"]?.arrayValue
            #expect(remaining?.compactMap { $0["sid"]?.stringValue } == [png])
            #expect(try client.json(try await client.send(.get, client.messagePath(sid)))["num_media"] == "1")

            #expect(try await client.send(.delete, client.messagePath(sid)).status == 204)
            let gone = try await client.send(.get, mediaPath(client, sid))
            #expect(gone.status == 404)
            #expect(try client.json(gone)["code"] == 20404)
            #expect(try await client.send(.get, String(mediaPath(client, sid, png).dropLast(5))).status == 404)
        }
    }

    @Test func pagesMediaLikeTwilio() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let urls = ["a.gif", "b.pdf", "c.mp4", "d.bin"].map { ("MediaUrl", "https://example.com/\($0)") }
            let sid = try #require(
                try client.json(try await client.create([("To", "+14155550100"), ("From", "+15005550006")] + urls))["sid"]?.stringValue)
            let first = try client.json(try await client.send(.get, mediaPath(client, sid), query: [("PageSize", "3")]))
            #expect(first["media_list"]?.arrayValue?.map { $0["content_type"] } == ["image/gif", "application/pdf", "video/mp4"])
            let next = try #require(first["next_page_uri"]?.stringValue)
            let second = try client.json(try await client.send(.get, next))
            #expect(second["media_list"]?.arrayValue?.map { $0["content_type"] } == ["application/octet-stream"])
            #expect(second["page"] == 1)
            #expect(second["next_page_uri"] == .null)

            let yesterday = try client.json(try await client.send(.get, mediaPath(client, sid), query: [("DateCreated<", "2001-01-01")]))
            #expect(yesterday["media_list"] == [])
            let badDate = try await client.send(.get, mediaPath(client, sid), query: [("DateCreated", "soon")])
            #expect(badDate.status == 400)
            let sms = try #require(try client.json(try await client.create(SandboxMessagesTests.valid))["sid"]?.stringValue)
            let none = try client.json(try await client.send(.get, mediaPath(client, sms)))
            #expect(none["media_list"] == [])
        }
    }

    @Test func takesScriptedFaultsOnItsRoutes() async throws {
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try client.json(try await client.create(Self.mms))["sid"]?.stringValue)
            let items = try #require(try client.json(try await client.send(.get, mediaPath(client, sid)))["media_list"]?.arrayValue)
            let media = try #require(items.first?["sid"]?.stringValue)
            for route in ["media.content", "media.delete", "media.fetch", "media.list"] {
                let scripted = try await client.control(
                    .post, "faults", json: ["route": .string(route), "fault": ["type": "status", "status": 429, "retryAfter": "1"]])
                #expect(scripted.status == 201, "\(route)")
            }
            let content = try await client.send(.get, String(mediaPath(client, sid, media).dropLast(5)))
            #expect(content.status == 429)
            #expect(content.headerFields[HTTPField.Name("Retry-After")!] == "1")
            #expect(try await client.send(.delete, mediaPath(client, sid, media)).status == 429)
            #expect(try await client.send(.get, mediaPath(client, sid, media)).status == 429)
            #expect(try await client.send(.get, mediaPath(client, sid)).status == 429)
            #expect(try await client.send(.get, mediaPath(client, sid, media)).status == 200, "the media survived the refused delete")
        }
    }

    @Test func inboundMessagesCarryTheirMedia() async throws {
        try await withTestServer(handler: { _ in
            .respond(status: 200, headers: [("Content-Type", "text/xml")], body: Data("<Response/>".utf8))
        }) {
            receiver in
            try await withSandbox { baseURL, credentials in
                let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
                let response = try await client.control(
                    .post, "inbound",
                    json: [
                        "from": "+14155550100", "to": "+15005550006", "body": "Look", "mediaUrls": ["https://example.com/v.mp4"],
                        "url": .string(receiver.baseURL + "/sms"),
                    ])
                let sid = try #require(try client.json(response)["message"]?["sid"]?.stringValue)
                let media = try client.json(try await client.send(.get, mediaPath(client, sid)))["media_list"]?.arrayValue
                #expect(media?.map { $0["content_type"] } == ["video/mp4"])
                let request = try #require(receiver.requests.first)
                let parameters = Dictionary(
                    FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)) ?? [], uniquingKeysWith: { $1 })
                #expect(parameters["MediaContentType0"] == "video/mp4")
            }
        }
    }

    @Test func redactsOnlyAMessagePastItsFlight() async throws {
        try await withSandbox(SandboxConfiguration(lifecycleStep: .seconds(30))) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try client.json(try await client.create(SandboxMessagesTests.valid))["sid"]?.stringValue)
            let refused = try await client.send(.post, client.messagePath(sid), form: [("Body", "")])
            #expect(refused.status == 400)
            #expect(try client.json(refused)["code"] == 20009)
            #expect(try client.json(try await client.send(.get, client.messagePath(sid)))["body"] == "Hello")
        }
        try await withSandbox { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try client.json(try await client.create(Self.mms + [("Body", "secret")]))["sid"]?.stringValue)
            let redacted = try client.json(try await client.send(.post, client.messagePath(sid), form: [("Body", "")]))
            #expect(redacted["body"] == "")
            #expect(redacted["status"] == "delivered")
            #expect(redacted["num_media"] == "2")
            #expect(try client.json(try await client.send(.get, client.messagePath(sid)))["body"] == "")
        }
    }

    @Test func keepsDeletedMediaDeletedAcrossRestarts() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-media-\(UUID().uuidString).json").path
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + ".lock")
        }
        let configuration = SandboxConfiguration(stateFile: path, lifecycleStep: .zero)
        let (sid, kept) = try await withSandbox(configuration) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let sid = try #require(try client.json(try await client.create(Self.mms))["sid"]?.stringValue)
            let items = try #require(try client.json(try await client.send(.get, mediaPath(client, sid)))["media_list"]?.arrayValue)
            let dropped = try #require(items.first?["sid"]?.stringValue)
            #expect(try await client.send(.delete, mediaPath(client, sid, dropped)).status == 204)
            return (sid, try #require(items.last?["sid"]?.stringValue))
        }
        try await withSandbox(configuration) { baseURL, credentials in
            let client = SandboxTestClient(baseURL: baseURL, credentials: credentials)
            let items = try client.json(try await client.send(.get, mediaPath(client, sid)))["media_list"]?.arrayValue
            #expect(items?.compactMap { $0["sid"]?.stringValue } == [kept])
        }
    }
}
