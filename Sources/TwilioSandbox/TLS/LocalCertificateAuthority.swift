import Crypto
public import Foundation
import SwiftASN1
import X509

/// A certificate authority made on the spot, for serving HTTPS on loopback: its certificate is
/// what clients are told to trust (`SSL_CERT_FILE`), and it issues server certificates for the
/// host names and addresses asked for. Nothing is kept: a new authority has a new key.
public struct LocalCertificateAuthority: Sendable {
    /// A server certificate and its private key, both PEM.
    public struct Identity: Sendable {
        /// The server's certificate (PEM).
        public var certificatePEM: String
        /// Its private key (PEM, PKCS#8).
        public var privateKeyPEM: String
    }

    /// The authority's certificate (PEM): the file clients trust.
    public let certificatePEM: String
    private let key: Certificate.PrivateKey
    private let name: DistinguishedName
    private let keyIdentifier: ArraySlice<UInt8>

    /// A new authority named `commonName`, valid from an hour ago for `validity`.
    public init(commonName: String = "Twilio sandbox local CA", validity: TimeInterval = 30 * 24 * 3600) throws {
        let key = P256.Signing.PrivateKey()
        let certificateKey = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("twilio-component")
            CommonName(commonName)
        }
        let keyIdentifier = SubjectKeyIdentifier(hash: certificateKey.publicKey).keyIdentifier
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: certificateKey.publicKey,
            notValidBefore: now - 3600, notValidAfter: now + validity, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: keyIdentifier)
            },
            issuerPrivateKey: certificateKey)
        self.key = certificateKey
        self.name = name
        self.keyIdentifier = keyIdentifier
        self.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
    }

    /// A server certificate for `hostNames` (DNS names, IPv4 or IPv6 addresses), signed by this
    /// authority, valid from an hour ago for `validity`.
    public func issue(hostNames: [String], validity: TimeInterval = 30 * 24 * 3600) throws -> Identity {
        let serverKey = P256.Signing.PrivateKey()
        let certificateKey = Certificate.PrivateKey(serverKey)
        let subject = try DistinguishedName {
            OrganizationName("twilio-component")
            CommonName(hostNames.first ?? "localhost")
        }
        let now = Date()
        let names = hostNames.map { name -> GeneralName in
            if let address = Self.addressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
            return .dnsName(name)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: certificateKey.publicKey,
            notValidBefore: now - 3600, notValidAfter: now + validity, issuer: name, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: certificateKey.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: keyIdentifier)
            },
            issuerPrivateKey: key)
        return Identity(
            certificatePEM: try certificate.serializeAsPEM().pemString + "\n", privateKeyPEM: serverKey.pemRepresentation + "\n")
    }

    /// The 4 or 16 bytes of an IP address literal, or `nil` for a host name.
    private static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
