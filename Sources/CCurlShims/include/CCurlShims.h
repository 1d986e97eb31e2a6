#ifndef CCURLSHIMS_H
#define CCURLSHIMS_H

#include <curl/curl.h>

// Swift cannot call C variadic functions, and it does not import the function-like
// and composite macros of curl.h. Each wrapper below fixes one argument kind so Swift
// gets a typed, non-variadic entry point. Named CCurlShims_<curl name>_<argument kind>.

// The callback shapes libcurl expects, spelled as typedefs Swift can import.
typedef size_t (*CCurlShims_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*CCurlShims_seek_callback)(void *userdata, curl_off_t offset, int origin);
typedef int (*CCurlShims_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);
typedef int (*CCurlShims_prereq_callback)(void *userdata, char *primary_ip, char *local_ip, int primary_port, int local_port);

// curl_global_init takes CURL_GLOBAL_ALL, a composite macro.
CURLcode CCurlShims_global_init_all(void);

// curl_easy_setopt is variadic: one wrapper per argument kind.
CURLcode CCurlShims_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurlShims_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CCurlShims_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurlShims_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode CCurlShims_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode CCurlShims_easy_setopt_data_function(CURL *handle, CURLoption option, CCurlShims_data_callback value);
CURLcode CCurlShims_easy_setopt_seek_function(CURL *handle, CCurlShims_seek_callback value);
CURLcode CCurlShims_easy_setopt_debug_function(CURL *handle, CCurlShims_debug_callback value);
CURLcode CCurlShims_easy_setopt_prereq_function(CURL *handle, CCurlShims_prereq_callback value);

// curl_easy_getinfo is variadic: one wrapper per result kind.
CURLcode CCurlShims_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode CCurlShims_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode CCurlShims_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode CCurlShims_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

// curl_multi_setopt is variadic too.
CURLMcode CCurlShims_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

// Return values of the data callbacks that curl.h defines as macros.
size_t CCurlShims_writefunc_error(void);
int CCurlShims_seekfunc_ok(void);
long CCurlShims_auth_basic(void);
int CCurlShims_seekfunc_cantseek(void);
long CCurlShims_pipe_multiplex(void);
int CCurlShims_prereqfunc_ok(void);
int CCurlShims_prereqfunc_abort(void);

// The version this module was compiled against, and the one loaded at run time.
long CCurlShims_compiled_version_num(void);
const char *CCurlShims_runtime_version(void);
/// The loaded libcurl's own version ("7.88.1"), without its libraries'.
const char *CCurlShims_runtime_version_number(void);

#endif
