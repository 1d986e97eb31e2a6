public import Foundation
import Synchronization

// A small HTTP/1.1 server on 127.0.0.1 for tests and benchmarks: real sockets, keep-alive, and
// scripted misbehaviour (delays, dropped connections) that a well-behaved framework will not do.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A test server on `127.0.0.1` with an ephemeral port, answering each request with what its
/// handler returns. Counts accepted connections and records every request it reads.
public final class TestHTTPServer: Sendable {
    /// A request as the server read it.
    public struct Request: Sendable {
        public var method: String
        /// The request target: path and query, exactly as sent.
        public var target: String
        /// Header fields in order, as sent.
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// Which accepted connection (1-based) carried it.
        public var connection: Int
        /// When the server finished reading it.
        public var receivedAt: ContinuousClock.Instant

        /// A request, as a server read it.
        public init(
            method: String, target: String, headers: [(name: String, value: String)], body: Data, connection: Int,
            receivedAt: ContinuousClock.Instant = .now
        ) {
            self.method = method
            self.target = target
            self.headers = headers
            self.body = body
            self.connection = connection
            self.receivedAt = receivedAt
        }

        /// The first value of `name`, ignoring case.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// What to do with a request.
    public indirect enum Action: Sendable {
        /// Answer.
        case respond(status: Int, headers: [(String, String)] = [], body: Data = Data())
        /// Wait, then do `then`.
        case delay(Duration, then: Action)
        /// Close the connection after reading the request, without answering.
        case closeAfterReading

        /// A JSON answer.
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Action {
            .respond(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8))
        }
    }

    private struct State {
        var connections = 0
        var requests: [Request] = []
        var openSockets: Set<Int32> = []
        var stopped = false
    }

    private let listener: Int32
    /// The port the server listens on.
    public let port: Int
    private let state = Mutex(State())
    private let handler: @Sendable (Request) -> Action
    private let dropOnAccept: @Sendable (Int) -> Bool

    /// Starts a server on `port` (0 for any free one); `dropOnAccept` (given the 1-based connection
    /// number) may close a connection before reading anything from it.
    public convenience init(
        port requestedPort: Int = 0,
        dropOnAccept: @escaping @Sendable (Int) -> Bool = { _ in false },
        handler: @escaping @Sendable (Request) -> Action
    ) throws {
        let (socket, port) = try Self.bindLoopback(port: requestedPort, reuseAddress: true)
        try self.init(boundSocket: socket, port: port, dropOnAccept: dropOnAccept, handler: handler)
    }

    /// Starts a server on a port held until now by `reserved` (nothing could take it meanwhile).
    public convenience init(listeningOn reserved: ReservedPort, handler: @escaping @Sendable (Request) -> Action) throws {
        let socket = dup(reserved.socket)
        guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        try self.init(boundSocket: socket, port: reserved.port, dropOnAccept: { _ in false }, handler: handler)
    }

    private init(
        boundSocket socket: Int32, port: Int, dropOnAccept: @escaping @Sendable (Int) -> Bool,
        handler: @escaping @Sendable (Request) -> Action
    ) throws {
        guard listen(socket, 128) == 0 else {
            close(socket)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        self.handler = handler
        self.dropOnAccept = dropOnAccept
        listener = socket
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// A TCP socket bound to `127.0.0.1:port` (0: a free port), not yet listening, and its port.
    static func bindLoopback(port requestedPort: Int, reuseAddress: Bool) throws -> (socket: Int32, port: Int) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        if reuseAddress {
            var yes: Int32 = 1
            setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(requestedPort).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            close(socket)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return (socket, Int(UInt16(bigEndian: address.sin_port)))
    }

    deinit { stop() }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// How many connections were accepted so far.
    public var acceptedConnections: Int { state.withLock { $0.connections } }

    /// Every request read so far, in order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Stops listening and closes every open connection. Only file descriptors this server still
    /// owns are touched (under the lock, before they can be closed and reused by anyone else).
    public func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for socket in state.openSockets { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                break
            }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let number = state.withLock { state -> Int in
                state.connections += 1
                state.openSockets.insert(client)
                return state.connections
            }
            if dropOnAccept(number) {
                closeSocket(client)
                continue
            }
            let thread = Thread { [self] in serve(client, number: number) }
            thread.start()
        }
        close(listener)
    }

    private func closeSocket(_ socket: Int32) {
        state.withLock { _ = $0.openSockets.remove(socket) }
        close(socket)
    }

    private func serve(_ socket: Int32, number: Int) {
        var buffer = Data()
        defer { closeSocket(socket) }
        while let request = readRequest(socket, buffer: &buffer, connection: number) {
            state.withLock { $0.requests.append(request) }
            var action = handler(request)
            while case .delay(let duration, let then) = action {
                Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                action = then
            }
            guard case .respond(let status, let headers, let body) = action else { return }  // closeAfterReading
            var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            let keepAlive = request.header("Connection")?.lowercased() != "close"
            head += "Content-Length: \(body.count)\r\n"
            head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
            guard write(socket, Data(head.utf8) + (request.method == "HEAD" ? Data() : body)), keepAlive else { return }
        }
    }

    private func write(_ socket: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = send(socket, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    private func readMore(_ socket: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func readRequest(_ socket: Int32, buffer: inout Data, connection: Int) -> Request? {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = buffer.range(of: separator)
        while headEnd == nil {
            guard readMore(socket, into: &buffer) else { return nil }
            headEnd = buffer.range(of: separator)
        }
        let head = String(decoding: buffer[buffer.startIndex..<headEnd!.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
        let bodyStart = headEnd!.upperBound
        while buffer.count - (bodyStart - buffer.startIndex) < length {
            guard readMore(socket, into: &buffer) else { return nil }
        }
        let body = Data(buffer[bodyStart..<(bodyStart + length)])
        buffer = Data(buffer[(bodyStart + length)...])
        return Request(
            method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body,
            connection: connection, receivedAt: .now)
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

/// Runs `body` with a started server, and stops it afterwards.
public func withTestServer<T>(
    dropOnAccept: @escaping @Sendable (Int) -> Bool = { _ in false },
    handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Action,
    _ body: (TestHTTPServer) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer(dropOnAccept: dropOnAccept, handler: handler)
    defer { server.stop() }
    return try await body(server)
}

/// A loopback port nothing listens on, and nothing else can take: a socket bound to it without
/// `SO_REUSEADDR` and not listening, so connections are refused. (A port merely closed again
/// can be handed to another test's server running in parallel, which then gets stray requests.)
public final class ReservedPort: Sendable {
    let socket: Int32
    public let port: Int

    public init() throws {
        (socket, port) = try TestHTTPServer.bindLoopback(port: 0, reuseAddress: false)
    }

    deinit { close(socket) }
}

extension TestHTTPServer {
    /// A handler that answers with `actions` in turn, then with `last` for every later request:
    /// `.script([.json(429, "{}", headers: [("Retry-After", "1")])], then: .json(202, "{}"))`.
    public static func script(_ actions: [Action], then last: Action) -> @Sendable (Request) -> Action {
        let script = Script(actions)
        return { _ in script.next() ?? last }
    }

    private final class Script: Sendable {
        private let remaining: Mutex<[Action]>

        init(_ actions: [Action]) { remaining = Mutex(actions) }

        func next() -> Action? {
            remaining.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        }
    }
}
