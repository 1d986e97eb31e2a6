internal import CCurl
internal import CCurlShims

/// The system libcurl the HTTP client runs on.
public enum Libcurl {
    /// `curl_global_init` runs once per process, before the first handle (it is not thread-safe
    /// to call concurrently, so a lazily initialised global guards it).
    static let initialized: Bool = CCurlShims_global_init_all() == CURLE_OK

    /// libcurl's version line, as loaded at run time (`libcurl/7.88.1 OpenSSL/3.0.15 ...`).
    public static let version: String = {
        _ = initialized
        return String(cString: CCurlShims_runtime_version())
    }()

    /// The loaded libcurl as a product token, `libcurl/7.88.1` (what a User-Agent names). Read from
    /// `curl_version_info`, which costs nothing, where the full line asks every library it uses.
    public static var product: String {
        _ = initialized
        return "libcurl/" + String(cString: CCurlShims_runtime_version_number())
    }

    /// The version the package was compiled against, as `LIBCURL_VERSION_NUM` (0xXXYYZZ).
    public static var compiledVersionNumber: Int { Int(CCurlShims_compiled_version_num()) }
}
