// The update agent's HTTPS client (libcurl + OpenSSL): mutual TLS, the console's CA pinned
// (the system store is not consulted), verification always on, https only, no redirects,
// bounded size and time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fg::update {

struct TlsClientConfig {
  std::string ca;    // the only CA the server's certificate may chain to
  std::string cert;  // client certificate (PEM)
  std::string key;   // its private key (PEM)
  std::uint64_t timeout_ns = 60'000'000'000ull;
};

enum class FetchStatus : std::uint8_t { Ok, NotModified, TooLarge, Untrusted, Failed };

struct FetchResult {
  FetchStatus status = FetchStatus::Failed;
  long http_code = 0;
  std::string error;  // for logs and events: curl's message or the HTTP status
  std::string etag;   // of the body received, for the next conditional GET
};

// GET `url`. `if_none_match` (an ETag from an earlier answer) lets an unchanged bundle cost
// one small 304 instead of a download. Aborts as soon as the body passes `max_bytes`.
FetchResult https_get(const std::string& url, const TlsClientConfig& tls, std::uint64_t max_bytes,
                      const std::string& if_none_match, std::vector<std::uint8_t>& body);

// POST a JSON document (the outcome report) and ignore the body of the answer.
FetchResult https_post_json(const std::string& url, const TlsClientConfig& tls, const std::string& json);

}  // namespace fg::update
