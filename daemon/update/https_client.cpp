#include "daemon/update/https_client.hpp"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace fg::update {

namespace {

struct Sink {
  std::vector<std::uint8_t>* body = nullptr;
  std::uint64_t max_bytes = 0;
  bool too_large = false;
  std::string etag;
};

extern "C" size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (!s->body) return len;
  if (s->body->size() + len > s->max_bytes) {
    s->too_large = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  s->body->insert(s->body->end(), reinterpret_cast<std::uint8_t*>(data), reinterpret_cast<std::uint8_t*>(data) + len);
  return len;
}

extern "C" size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  constexpr char kEtag[] = "etag:";
  if (len > sizeof kEtag && strncasecmp(data, kEtag, sizeof kEtag - 1) == 0) {
    std::string v(data + sizeof kEtag - 1, len - (sizeof kEtag - 1));
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    s->etag = v;
  }
  return len;
}

CURL* make_handle(const std::string& url, const TlsClientConfig& tls, Sink& sink, char* errbuf) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* c = curl_easy_init();
  if (!c) return nullptr;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based DNS timeouts
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  // Pinning: only the configured CA; the system directory must not widen the trust.
  curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca.c_str());
  curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert.c_str());
  curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(tls.timeout_ns / 1'000'000ull));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "fieldguardd-update/1");
  return c;
}

FetchResult finish(CURL* c, CURLcode rc, const Sink& sink, const char* errbuf) {
  FetchResult r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.http_code);
  r.etag = sink.etag;
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    r.status = FetchStatus::TooLarge;
    r.error = "the download exceeded the size limit and was aborted";
  } else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
    r.status = FetchStatus::Untrusted;
    r.error = std::string("server certificate not trusted: ") + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
  } else if (rc != CURLE_OK) {
    r.status = FetchStatus::Failed;
    r.error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  } else if (r.http_code == 304) {
    r.status = FetchStatus::NotModified;
  } else if (r.http_code < 200 || r.http_code > 299) {
    r.status = FetchStatus::Failed;
    r.error = "HTTP status " + std::to_string(r.http_code);
  } else {
    r.status = FetchStatus::Ok;
  }
  curl_easy_cleanup(c);
  return r;
}

}  // namespace

FetchResult https_get(const std::string& url, const TlsClientConfig& tls, std::uint64_t max_bytes,
                      const std::string& if_none_match, std::vector<std::uint8_t>& body) {
  body.clear();
  Sink sink{&body, max_bytes, false, {}};
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* c = make_handle(url, tls, sink, errbuf);
  if (!c) return {FetchStatus::Failed, 0, "curl_easy_init failed", {}};
  // A declared Content-Length above the limit stops before the first body byte.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_slist* headers = nullptr;
  if (!if_none_match.empty()) {
    headers = curl_slist_append(headers, ("If-None-Match: " + if_none_match).c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  }
  const CURLcode rc = curl_easy_perform(c);
  FetchResult r = finish(c, rc, sink, errbuf);
  curl_slist_free_all(headers);
  if (r.status != FetchStatus::Ok) body.clear();
  return r;
}

FetchResult https_post_json(const std::string& url, const TlsClientConfig& tls, const std::string& json) {
  Sink sink{nullptr, 0, false, {}};
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* c = make_handle(url, tls, sink, errbuf);
  if (!c) return {FetchStatus::Failed, 0, "curl_easy_init failed", {}};
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  const CURLcode rc = curl_easy_perform(c);
  FetchResult r = finish(c, rc, sink, errbuf);
  curl_slist_free_all(headers);
  return r;
}

}  // namespace fg::update
