internal import CCurl
internal import CCurlShims
import FoundationEssentials

/// Classifies a failed libcurl transfer: its kind, whether the request may have left, whether
/// trying again can help, and a message that says what to do.
enum CurlFailure {
    static func classify(code: CURLcode, transfer: CurlTransfer) -> TransportFailure {
        var failure = classifyCode(code, transfer: transfer)
        failure.responseTooLarge = transfer.exceededLimit
        return failure
    }

    private static func classifyCode(_ code: CURLcode, transfer: CurlTransfer) -> TransportFailure {
        let easy = transfer.easy
        let attempt = transfer.attempt
        let raw = Int(code.rawValue)
        let detail = easy.errorDetail
        var message = String(cString: curl_easy_strerror(code))
        if !detail.isEmpty, detail != message { message += ": " + detail }
        if transfer.exceededLimit { message = "the response is larger than the \(attempt.maximumResponseBytes)-byte limit" }
        let proxyNote = attempt.proxy.map { " (through the proxy \($0.summary))" } ?? ""

        if transfer.stoppedAtDeadline, let deadline = attempt.deadline {
            // Stopped before its request went out; after a redirect, the first one had.
            guard transfer.requestsAboutToGo == 1 else {
                return TransportFailure(
                    kind: .timeout, curlCode: raw, message: "the request's deadline (\(deadline)) passed before a redirect was followed",
                    requestMayHaveBeenSent: true)
            }
            return TransportFailure(
                kind: .deadlineExceeded, curlCode: raw, message: "the request's deadline (\(deadline)) passed before the request went out",
                requestMayHaveBeenSent: false)
        }
        if let refusal = transfer.refusedBeforeProcessing(code: code) {
            return TransportFailure(kind: .network, curlCode: raw, message: refusal, requestMayHaveBeenSent: false)
        }
        if let tls = tlsFailure(code: code, detail: detail) {
            return TransportFailure(
                kind: .tls, curlCode: raw,
                message: tlsMessage(tls, code: code, detail: detail.isEmpty ? message : detail, attempt: attempt, proxyNote: proxyNote),
                requestMayHaveBeenSent: false, isPermanent: true, tls: tls)
        }
        // Whether any request byte was written: the transfer phase never began when the
        // pre-transfer time is zero (the failure happened while resolving or connecting).
        let started = easy.info(offset: CURLINFO_PRETRANSFER_TIME_T) > 0
        switch code {
        case CURLE_COULDNT_RESOLVE_PROXY:
            return TransportFailure(
                kind: .network, curlCode: raw,
                message: message + proxyNote + "; check the proxy's host name, or exempt this host with NO_PROXY",
                requestMayHaveBeenSent: false)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR:
            let hint =
                attempt.proxy == nil || code == CURLE_COULDNT_RESOLVE_HOST
                ? "" : proxyNote + "; check that the proxy runs and is reachable, or exempt this host with NO_PROXY"
            return TransportFailure(kind: .network, curlCode: raw, message: message + hint, requestMayHaveBeenSent: false)
        case CURLE_RECV_ERROR where attempt.proxy != nil && detail.hasPrefix("CONNECT tunnel failed"):
            // The proxy refused to open the tunnel: nothing reached the server. A 4xx is the
            // proxy's rule (or its authentication), which retrying cannot change.
            let refusedByRule = detail.contains("response 4")
            return TransportFailure(
                kind: .network, curlCode: raw,
                message: message + proxyNote
                    + "; check the proxy's rules (the ports it may CONNECT to, whom it allows, its credentials), or exempt this host with NO_PROXY",
                requestMayHaveBeenSent: false, isPermanent: refusedByRule)
        case CURLE_OPERATION_TIMEDOUT:
            return TransportFailure(kind: .timeout, curlCode: raw, message: message, requestMayHaveBeenSent: started)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_TOO_MANY_REDIRECTS, CURLE_WRITE_ERROR,
            CURLE_LOGIN_DENIED:
            return TransportFailure(kind: .network, curlCode: raw, message: message, requestMayHaveBeenSent: started, isPermanent: true)
        default:
            return TransportFailure(kind: .network, curlCode: raw, message: message + proxyNote, requestMayHaveBeenSent: true)
        }
    }

    /// What TLS refused, when the failure is TLS refusing the server (not a connection that broke
    /// during the handshake, which is worth another try).
    static func tlsFailure(code: CURLcode, detail: String) -> TLSFailure? {
        let text = detail.lowercased()
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            return text.contains("host name") || text.contains("subject name") ? .hostnameMismatch : .untrustedCertificate
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return .untrustedCertificate
        case CURLE_SSL_CIPHER, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CLIENTCERT:
            return .handshakeFailed
        case CURLE_SSL_CONNECT_ERROR:
            // OpenSSL's reasons: an alert or a record that is not TLS is the server's answer; a
            // reset or an early end of the connection is the network's.
            if ["protocol version", "unsupported protocol", "no protocols available", "version too low"].contains(where: text.contains) {
                return .unsupportedVersion
            }
            if ["wrong version number", "alert", "no shared cipher", "packet length too long", "record layer failure", "http request"]
                .contains(where: text.contains)
            {
                return .handshakeFailed
            }
            return nil
        default:
            return nil
        }
    }

    /// A sentence saying what TLS refused and what to do; it always names what is trusted.
    static func tlsMessage(_ failure: TLSFailure, code: CURLcode, detail: String, attempt: CurlAttempt, proxyNote: String) -> String {
        let trusted = attempt.trust.summary
        let host = HTTPProxySettings.host(of: attempt.url)
        switch failure {
        case .untrustedCertificate where code == CURLE_SSL_CACERT_BADFILE:
            return
                "the CA certificates to trust cannot be read (\(detail)); trusted: \(trusted)\(proxyNote). Point SSL_CERT_FILE at a PEM file of CA certificates, or SSL_CERT_DIR at a directory of them."
        case .untrustedCertificate:
            return
                "the TLS certificate of \(host)\(proxyNote) is not trusted (\(detail)); trusted: \(trusted). If the server, or a proxy that inspects TLS, uses its own CA, name that CA's certificate file with SSL_CERT_FILE (or a directory of CA certificates with SSL_CERT_DIR). Certificate checks cannot be turned off."
        case .hostnameMismatch:
            return
                "the TLS certificate the server showed\(proxyNote) is not for \(host) (\(detail)); trusted: \(trusted). Use the host name the certificate names in the URL (an IP address needs a certificate that lists it), or check the proxy if one sits in between."
        case .unsupportedVersion:
            return
                "\(host)\(proxyNote) and this client share no TLS version (\(detail)): TLS 1.2 or newer is required. Check the server's TLS settings, or the proxy if one sits in between; trusted: \(trusted)."
        case .handshakeFailed:
            return
                "the TLS handshake with \(host)\(proxyNote) failed (\(detail)). Check that the port speaks HTTPS (not plain HTTP), and the proxy if one sits in between; trusted: \(trusted)."
        }
    }
}
