// OpenSSL's error queue as text for a diagnostic; shared by the identity service and the PKI tools.
#pragma once

#include <openssl/err.h>

#include <string>

namespace fg::crypto {

// `what`, then ": " and the oldest queued OpenSSL error if there is one; the queue is cleared
// so that the next failure does not report this one.
inline std::string openssl_error(const std::string& what) {
  std::string s = what;
  const unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    s += ": ";
    s += buf;
  }
  ERR_clear_error();
  return s;
}

}  // namespace fg::crypto
