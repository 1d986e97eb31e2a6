#include "CCurlShims.h"

// The client relies on CURLINFO_*_T (7.61) and
// CURLOPT_MAXLIFETIME_CONN (7.80) and CURLOPT_PROTOCOLS_STR (7.85); refuse older headers at build
// time, not at run time.
#if LIBCURL_VERSION_NUM < 0x075500
#error "libcurl 7.85 or newer is required (apt-get install libcurl4-openssl-dev)"
#endif

CURLcode CCurlShims_global_init_all(void) { return curl_global_init(CURL_GLOBAL_ALL); }

CURLcode CCurlShims_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_data_function(CURL *handle, CURLoption option, CCurlShims_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_seek_function(CURL *handle, CCurlShims_seek_callback value) {
    return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, value);
}

CURLcode CCurlShims_easy_setopt_debug_function(CURL *handle, CCurlShims_debug_callback value) {
    return curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, value);
}

CURLcode CCurlShims_easy_setopt_prereq_function(CURL *handle, CCurlShims_prereq_callback value) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, value);
}

CURLcode CCurlShims_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLMcode CCurlShims_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

size_t CCurlShims_writefunc_error(void) {
#ifdef CURL_WRITEFUNC_ERROR
    return CURL_WRITEFUNC_ERROR;
#else
    return 0; // before 7.87 any short count fails the transfer
#endif
}

int CCurlShims_seekfunc_ok(void) { return CURL_SEEKFUNC_OK; }

long CCurlShims_auth_basic(void) { return (long)CURLAUTH_BASIC; }

int CCurlShims_seekfunc_cantseek(void) { return CURL_SEEKFUNC_CANTSEEK; }

long CCurlShims_pipe_multiplex(void) { return CURLPIPE_MULTIPLEX; }

int CCurlShims_prereqfunc_ok(void) { return CURL_PREREQFUNC_OK; }

int CCurlShims_prereqfunc_abort(void) { return CURL_PREREQFUNC_ABORT; }

long CCurlShims_compiled_version_num(void) { return LIBCURL_VERSION_NUM; }

const char *CCurlShims_runtime_version(void) { return curl_version(); }
const char *CCurlShims_runtime_version_number(void) { return curl_version_info(CURLVERSION_NOW)->version; }
