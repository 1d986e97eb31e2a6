import ComponentCore
import ComponentHTTP
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// Every body kind, query and header through libcurl to a real server on 127.0.0.1, byte for byte.
@Suite(.timingInsensitive) struct HTTPClientBodyTests {
    let client = CurlHTTPClient(pool: HTTPConnectionPool())

    /// A server that answers every request with 200 and records it.
    func withEchoServer<T>(_ body: (TestHTTPServer) async throws -> T) async throws -> T {
        try await withTestServer(handler: { _ in .respond(status: 200, body: Data("ok".utf8)) }, body)
    }

    @Test func rawBytesArriveExactly() async throws {
        try await withEchoServer { server in
            let bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            _ = try await client.send(
                HTTPClientRequest(method: .put, url: server.baseURL + "/raw", body: .bytes(bytes, contentType: "application/octet-stream")))
            let request = try #require(server.requests.last)
            #expect(request.method == "PUT")
            #expect(request.body == bytes)
            #expect(request.header("Content-Type") == "application/octet-stream")
            #expect(request.header("Content-Length") == "4096")
        }
    }

    @Test func formFieldsKeepOrderRepeatsAndEscapes() async throws {
        try await withEchoServer { server in
            let fields = [
                ("To", "+15005550006"), ("Body", "Hi & bye = 100% ✓"), ("MediaUrl", "https://x.test/a.png?s=1&t=2"),
                ("MediaUrl", "https://x.test/b.png"), ("Empty", ""),
            ]
            _ = try await client.send(HTTPClientRequest(method: .post, url: server.baseURL + "/form", body: .form(fields)))
            let request = try #require(server.requests.last)
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(
                String(decoding: request.body, as: UTF8.self)
                    == "To=%2B15005550006&Body=Hi+%26+bye+%3D+100%25+%E2%9C%93&MediaUrl=https%3A%2F%2Fx.test%2Fa.png%3Fs%3D1%26t%3D2&MediaUrl=https%3A%2F%2Fx.test%2Fb.png&Empty="
            )
            let decoded = try #require(FormEncoding.decodeForm(String(decoding: request.body, as: UTF8.self)))
            #expect(decoded.map(\.0) == fields.map(\.0))
            #expect(decoded.map(\.1) == fields.map(\.1))
        }
    }

    @Test func jsonKeepsKeyOrder() async throws {
        try await withEchoServer { server in
            _ = try await client.send(
                HTTPClientRequest(method: .patch, url: server.baseURL + "/json", body: .json(["z": 1, "a": ["ü", nil, true]])))
            let request = try #require(server.requests.last)
            #expect(request.method == "PATCH")
            #expect(request.header("Content-Type") == "application/json")
            #expect(String(decoding: request.body, as: UTF8.self) == #"{"z":1,"a":["ü",null,true]}"#)
        }
    }

    @Test func multipartUploadArrivesFieldByField() async throws {
        try await withEchoServer { server in
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D])
            let parts: [MultipartPart] = [
                .field("Example Key", "Hello World"),
                .field("unicode", "naïve \"quoted\" ✓"),
                .file("upload", fileName: "example.txt", contentType: "text/plain", data: Data("My File Contents".utf8)),
                .file("image", fileName: "pixel.png", contentType: "image/png", data: png),
            ]
            _ = try await client.send(HTTPClientRequest(method: .post, url: server.baseURL + "/upload", body: .multipart(parts)))
            let request = try #require(server.requests.last)
            let contentType = try #require(request.header("Content-Type"))
            #expect(contentType.hasPrefix("multipart/form-data; boundary="))
            let received = try MultipartParser.parse(request.body, contentType: contentType)
            #expect(received.count == 4)
            #expect(received[0].disposition == #"form-data; name="Example Key""#)
            #expect(received[0].contentType == nil)
            #expect(received[0].data == Data("Hello World".utf8))
            #expect(received[1].disposition == #"form-data; name="unicode""#)
            #expect(received[1].data == Data("naïve \"quoted\" ✓".utf8))
            #expect(received[2].disposition == #"form-data; name="upload"; filename="example.txt""#)
            #expect(received[2].contentType == "text/plain")
            #expect(received[2].data == Data("My File Contents".utf8))
            #expect(received[3].disposition == #"form-data; name="image"; filename="pixel.png""#)
            #expect(received[3].contentType == "image/png")
            #expect(received[3].data == png)
        }
    }

    @Test func binaryDownloadIsExact() async throws {
        let bytes = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        try await withTestServer(handler: { _ in .respond(status: 200, headers: [("Content-Type", "image/png")], body: bytes) }) { server in
            let response = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/file.png"))
            #expect(response.body == bytes)
            #expect(
                response.decodedBody(as: .binary) == [
                    "contentType": "image/png", "encoding": "base64", "data": .string(bytes.base64EncodedString()),
                ])
        }
    }

    @Test func responseTypes() async throws {
        try await withTestServer(handler: { request in
            switch request.target {
            case "/json": .json(200, #"{"b": 1, "a": [2]}"#)
            case "/broken": .json(200, #"{"b": 1,"#)
            default: .respond(status: 200, headers: [("Content-Type", "text/plain")], body: Data("plain ✓".utf8))
            }
        }) { server in
            let json = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/json"))
            #expect(json.decodedBody(as: .json) == ["b": 1, "a": [2]])
            #expect(json.decodedBody(as: .text) == #"{"b": 1, "a": [2]}"#)
            let broken = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/broken"))
            #expect(broken.decodedBody(as: .json) == #"{"b": 1,"#)
            let text = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/text"))
            #expect(text.decodedBody(as: .json) == "plain ✓")
        }
    }

    @Test func queryParametersAreAppendedAndEncoded() async throws {
        try await withEchoServer { server in
            let cases: [(String, [(String, String)], String)] = [
                ("/m", [("To", "+1 555"), ("DateSent<", "2025-05-14")], "/m?To=%2B1%20555&DateSent%3C=2025-05-14"),
                ("/m?PageSize=2", [("Page", "1"), ("Page", "2")], "/m?PageSize=2&Page=1&Page=2"),
                ("/m?", [("a", "1")], "/m?a=1"),
                ("/m#fragment", [("a", "ä/&=")], "/m?a=%C3%A4%2F%26%3D"),
                ("/m?x=1#frag", [], "/m?x=1"),
            ]
            for (path, query, expected) in cases {
                _ = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + path, query: query))
                #expect(server.requests.last?.target == expected)
            }
        }
    }

    @Test func headersKeepOrderAndRepeatsBothWays() async throws {
        try await withTestServer(handler: { _ in
            .respond(status: 200, headers: [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-Trace", "t")], body: Data())
        }) { server in
            let repeated = HTTPField.Name("X-Repeat")!
            let headers: HTTPFields = [
                HTTPField.Name("X-One")!: "1", repeated: "a", repeated: "b", HTTPField.Name("X-Empty")!: "", .userAgent: "custom/1.0",
            ]
            let response = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/h", headerFields: headers))
            let sent = try #require(server.requests.last)
            let names = sent.headers.map(\.name)
            #expect(names.filter { $0.hasPrefix("X-") } == ["X-One", "X-Repeat", "X-Repeat", "X-Empty"])
            #expect(sent.headers.filter { $0.name == "X-Repeat" }.map(\.value) == ["a", "b"])
            #expect(sent.header("X-Empty") == "")
            #expect(sent.header("User-Agent") == "custom/1.0")
            #expect(response.headerFields[values: HTTPField.Name("SET-COOKIE")!] == ["a=1", "b=2"])
            #expect(response.headerFields[HTTPField.Name("x-trace")!] == "t")
            #expect(response.url == server.baseURL + "/h")
        }
    }

    @Test func followsRedirectsAndReportsTheFinalURL() async throws {
        try await withTestServer(handler: { request in
            request.target == "/old"
                ? .respond(status: 302, headers: [("Location", "/new")]) : .respond(status: 200, body: Data("new".utf8))
        }) { server in
            let response = try await client.send(HTTPClientRequest(method: .get, url: server.baseURL + "/old"))
            #expect(response.text == "new")
            #expect(response.url == server.baseURL + "/new")
        }
    }

    @Test func basicAuthIsSent() async throws {
        try await withEchoServer { server in
            _ = try await client.send(
                HTTPClientRequest(
                    method: .get, url: server.baseURL + "/a", auth: BasicAuth(username: "AC123", password: Secret("tok en:é"))))
            #expect(server.requests.last?.header("Authorization") == "Basic " + Data("AC123:tok en:é".utf8).base64EncodedString())
        }
    }

    @Test func oversizedResponsesAreRefused() async throws {
        try await withTestServer(handler: { _ in .respond(status: 200, body: Data(count: 100_000)) }) { server in
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(
                    HTTPClientRequest(method: .get, url: server.baseURL + "/big", retry: .never, maximumResponseBytes: 1000))
            }
            #expect(error?.message == "the response is larger than the 1000-byte limit")
            #expect(error?.responseTooLarge == true)
        }
        // A failure of another kind is not taken for one.
        let refused = await #expect(throws: HTTPError.self) {
            try await client.send(HTTPClientRequest(method: .get, url: "http://127.0.0.1:1/closed", retry: .never))
        }
        #expect(refused?.responseTooLarge == false)
    }
}

/// Splits a multipart/form-data body into its parts, independently of the client's encoder.
enum MultipartParser {
    struct Part {
        var disposition: String?
        var contentType: String?
        var data: Data
    }

    struct Malformed: Error {}

    static func parse(_ body: Data, contentType: String) throws -> [Part] {
        guard let range = contentType.range(of: "boundary=") else { throw Malformed() }
        let delimiter = Data(("--" + contentType[range.upperBound...]).utf8)
        var parts: [Part] = []
        var cursor = body.startIndex
        guard let first = body.range(of: delimiter, in: cursor..<body.endIndex) else { throw Malformed() }
        cursor = first.upperBound
        while true {
            if body[cursor..<min(cursor + 2, body.endIndex)] == Data("--".utf8) { break }
            cursor += 2  // CRLF after the delimiter
            guard let headEnd = body.range(of: Data("\r\n\r\n".utf8), in: cursor..<body.endIndex),
                let next = body.range(of: Data("\r\n".utf8) + delimiter, in: headEnd.upperBound..<body.endIndex)
            else { throw Malformed() }
            var part = Part(data: Data(body[headEnd.upperBound..<next.lowerBound]))
            for line in String(decoding: body[cursor..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n") {
                if line.hasPrefix("Content-Disposition: ") { part.disposition = String(line.dropFirst(21)) }
                if line.hasPrefix("Content-Type: ") { part.contentType = String(line.dropFirst(14)) }
            }
            parts.append(part)
            cursor = next.upperBound
        }
        return parts
    }
}
