import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP CONNECT proxy for tests: Debian's `tinyproxy`, started on a free loopback port
/// with a configuration of its own and stopped afterwards. `make test` installs it.
public final class Tinyproxy: Sendable {
    /// `http://127.0.0.1:<port>`, for `HTTPS_PROXY`.
    public let url: String
    private let child: ChildProcess
    private let directory: URL
    private let stopped = Atomic(false)

    /// A proxy that tunnels CONNECT to `connectPorts` only (every port when empty).
    public init(connectPorts: [Int] = []) async throws {
        let executable = ["/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable else {
            throw TinyproxyError(message: "tinyproxy is not installed: `make test` installs it (apt-get install -y tinyproxy-bin)")
        }
        let port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tinyproxy-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 30
            MaxClients 400
            Allow 127.0.0.1
            LogLevel Connect
            LogFile "\(directory.appendingPathComponent("tinyproxy.log").path)"
            \(connectPorts.map { "ConnectPort \($0)" }.joined(separator: "\n"))

            """
        let configurationFile = directory.appendingPathComponent("tinyproxy.conf")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        child = try await ChildProcess(executable, ["-d", "-c", configurationFile.path])
        url = "http://127.0.0.1:\(port)"
        // Ready once it accepts connections.
        for _ in 0..<100 {
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        throw TinyproxyError(message: "tinyproxy did not start listening on 127.0.0.1:\(port)")
    }

    deinit { stop() }

    /// The CONNECT requests the proxy logged, in order (`CONNECT 127.0.0.1:8025 HTTP/1.1`).
    public var connectRequests: [String] {
        let log = (try? String(contentsOf: directory.appendingPathComponent("tinyproxy.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            line.range(of: "CONNECT ", options: .backwards).map { String(line[$0.lowerBound...]) }
        }.filter { $0.hasSuffix("HTTP/1.1") || $0.hasSuffix("HTTP/1.0") }
    }

    /// Stops the proxy and removes its files.
    public func stop() {
        // Once only: the process id may name another process once the child has been reaped.
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        child.signal(SIGKILL)  // it keeps nothing that needs a clean shutdown; its task reaps it
        try? FileManager.default.removeItem(at: directory)
    }

    private static func freePort() throws -> Int {
        let reserved = try ReservedPort()
        return reserved.port  // released on return; tinyproxy binds it right after
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// The proxy could not be started.
public struct TinyproxyError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Runs `body` with a tinyproxy started for it, then stops it.
public func withTinyproxy<T>(connectPorts: [Int] = [], _ body: (Tinyproxy) async throws -> T) async throws -> T {
    let proxy = try await Tinyproxy(connectPorts: connectPorts)
    defer { proxy.stop() }
    return try await body(proxy)
}
