import Foundation
import NIOSSL

/// How the sandbox serves HTTPS: which certificate, and which protocols it offers by ALPN.
public struct SandboxTLS: Sendable {
    /// Where the server's certificate comes from.
    public enum Identity: Sendable {
        /// A certificate for `localhost`, `127.0.0.1` and `::1` from a certificate authority made at
        /// start; the authority's certificate is written to a temporary file for clients to trust.
        case generated
        /// PEM files: the server's certificate (chain), its private key, and the CA certificate
        /// clients should trust (shown beside the `TWILIO_*` lines; `nil` when none is needed).
        case files(certificate: String, privateKey: String, certificateAuthority: String?)
    }

    /// A TLS protocol version; the names read as the versions (`--tls-max-version` takes the raw values).
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public enum Version: String, Sendable, CaseIterable {
        case v1_0 = "1.0", v1_1 = "1.1", v1_2 = "1.2", v1_3 = "1.3"

        var nio: TLSVersion {
            switch self {
            case .v1_0: .tlsv1
            case .v1_1: .tlsv11
            case .v1_2: .tlsv12
            case .v1_3: .tlsv13
            }
        }
    }

    /// The certificate.
    public var identity: Identity
    /// Whether HTTP/2 is offered beside HTTP/1.1 (clients choose by ALPN); `false` serves HTTP/1.1 only.
    public var http2: Bool
    /// The newest TLS version offered, to see how a client refuses an outdated server; `nil` for
    /// TLS 1.3. The oldest is TLS 1.2, or this one when it is older.
    public var maximumVersion: Version?

    /// HTTPS with a generated certificate, HTTP/2 and HTTP/1.1 by default.
    public init(identity: Identity = .generated, http2: Bool = true, maximumVersion: Version? = nil) {
        self.identity = identity
        self.http2 = http2
        self.maximumVersion = maximumVersion
    }
}

/// A certificate, key and CA file the sandbox could not use, said plainly.
public struct SandboxTLSError: Error, CustomStringConvertible {
    public var description: String
}

/// The server side of ``SandboxTLS``, made ready: NIOSSL's configuration, and the CA file to show
/// clients (in a directory of its own when generated, removed when the sandbox stops).
struct PreparedTLS {
    var configuration: TLSConfiguration
    var certificateAuthorityFile: String?
    var temporaryDirectory: URL?

    init(_ tls: SandboxTLS) throws {
        let certificatePEM: String
        let keyPEM: String
        switch tls.identity {
        case .generated:
            let authority = try LocalCertificateAuthority()
            let identity = try authority.issue(hostNames: ["localhost", "127.0.0.1", "::1"])
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "twilio-sandbox-tls-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let caFile = directory.appendingPathComponent("ca.pem")
            try authority.certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
            (certificatePEM, keyPEM) = (identity.certificatePEM, identity.privateKeyPEM)
            certificateAuthorityFile = caFile.path
            temporaryDirectory = directory
        case .files(let certificate, let privateKey, let certificateAuthority):
            certificatePEM = try Self.read(certificate, what: "--tls-cert")
            keyPEM = try Self.read(privateKey, what: "--tls-key")
            if let certificateAuthority {
                _ = try Self.read(certificateAuthority, what: "--tls-ca")
            }
            certificateAuthorityFile = certificateAuthority
            temporaryDirectory = nil
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        } catch {
            throw SandboxTLSError(description: "the TLS certificate or key is not PEM that BoringSSL can read (\(error)).")
        }
        guard !chain.isEmpty else { throw SandboxTLSError(description: "the TLS certificate file holds no certificate.") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let maximum = tls.maximumVersion {
            configuration.maximumTLSVersion = maximum.nio
            if maximum == .v1_0 || maximum == .v1_1 { configuration.minimumTLSVersion = maximum.nio }
        }
        // HTTP2UpgradeChannel sets ["h2", "http/1.1"] itself; HTTP/1.1 only says so by ALPN too.
        configuration.applicationProtocols = tls.http2 ? ["h2", "http/1.1"] : ["http/1.1"]
        self.configuration = configuration
    }

    private static func read(_ path: String, what: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SandboxTLSError(description: "\(what) \(path) cannot be read: give a PEM file.")
        }
        return text
    }
}
