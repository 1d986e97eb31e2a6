/// Paragraphs of `--help` that every front end of a component shares.
enum HelpText {
    /// How requests reach the service, and what a user can set about it.
    static let transport = """
        HTTPS uses HTTP/2 when the server offers it, TLS 1.2 or newer, and always checks the \
        certificate and host name: SSL_CERT_FILE (a PEM file) or SSL_CERT_DIR (a hashed \
        directory) names the CAs to trust, else the system's store; HTTPS_PROXY and NO_PROXY \
        choose a CONNECT proxy. A TLS refusal is a connection problem (exit 3, code tls_*), \
        never retried.
        """
}
