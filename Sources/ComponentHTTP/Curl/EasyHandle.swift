internal import CCurl
internal import CCurlShims
import FoundationEssentials

/// A libcurl call that failed while a transfer was being set up.
struct CurlSetupError: Error, CustomStringConvertible {
    var code: Int
    var option: String
    var description: String { "libcurl refused \(option): \(String(cString: curl_easy_strerror(CURLcode(UInt32(code)))))" }
}

/// The one owner of a libcurl easy handle (`CURL *`) and its error buffer.
///
/// Not `Sendable`: a handle is configured and performed on the event loop's thread only.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        _ = Libcurl.initialized
        // curl_easy_init fails only when malloc does.
        guard let handle = curl_easy_init() else { fatalError("libcurl could not allocate an easy handle") }
        raw = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Clears every option for the next transfer; connections stay in the multi handle's cache.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
    }

    /// The error buffer's text: libcurl's detail for the last failure, or "".
    var errorDetail: String { String(cString: errorBuffer) }

    /// Points libcurl at the error buffer; call after each reset.
    func attachErrorBuffer() throws(CurlSetupError) {
        errorBuffer[0] = 0
        try check(CCurlShims_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)), "CURLOPT_ERRORBUFFER")
    }

    // One checked setter per argument kind, mirroring CCurlShims.

    func set(_ option: CURLoption, _ value: Int, _ name: StaticString) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_long(raw, option, value), name)
    }

    func set(_ option: CURLoption, offset value: Int64, _ name: StaticString) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_off_t(raw, option, curl_off_t(value)), name)
    }

    /// libcurl copies string options (7.17+), so the Swift string need only live for the call.
    func set(_ option: CURLoption, string value: String, _ name: StaticString) throws(CurlSetupError) {
        try check(value.withCString { CCurlShims_easy_setopt_string(raw, option, $0) }, name)
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?, _ name: StaticString) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_pointer(raw, option, value), name)
    }

    func set(_ option: CURLoption, list: HeaderList, _ name: StaticString) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_slist(raw, option, list.head), name)
    }

    func set(_ option: CURLoption, callback: CCurlShims_data_callback, _ name: StaticString) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_data_function(raw, option, callback), name)
    }

    func setSeek(_ callback: CCurlShims_seek_callback) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_seek_function(raw, callback), "CURLOPT_SEEKFUNCTION")
    }

    func setDebug(_ callback: CCurlShims_debug_callback) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_debug_function(raw, callback), "CURLOPT_DEBUGFUNCTION")
    }

    func setPrerequest(_ callback: CCurlShims_prereq_callback) throws(CurlSetupError) {
        try check(CCurlShims_easy_setopt_prereq_function(raw, callback), "CURLOPT_PREREQFUNCTION")
    }

    func info(_ info: CURLINFO) -> Int {
        var value = 0
        _ = CCurlShims_easy_getinfo_long(raw, info, &value)
        return value
    }

    func info(offset info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        _ = CCurlShims_easy_getinfo_off_t(raw, info, &value)
        return Int64(value)
    }

    func info(string info: CURLINFO) -> String? {
        var value: UnsafePointer<CChar>?
        guard CCurlShims_easy_getinfo_string(raw, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    /// Every CURLcode goes through here: success passes, anything else becomes a typed error.
    private func check(_ code: CURLcode, _ option: StaticString) throws(CurlSetupError) {
        guard code == CURLE_OK else { throw CurlSetupError(code: Int(code.rawValue), option: "\(option)") }
    }
}

@available(*, unavailable)
extension EasyHandle: Sendable {}

/// The one owner of a `curl_slist` of header lines.
final class HeaderList {
    private(set) var head: UnsafeMutablePointer<curl_slist>?

    init(_ lines: [String]) {
        for line in lines {
            // curl_slist_append copies the string.
            head = line.withCString { curl_slist_append(head, $0) }
        }
    }

    deinit { curl_slist_free_all(head) }
}

@available(*, unavailable)
extension HeaderList: Sendable {}
