#include "rules/anomaly/ip_text.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace fg::anomaly {

std::string format_ip_text(const dp::IpAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.is_v4()) return inet_ntop(AF_INET, &a.bytes[12], buf, sizeof buf) ? buf : "";
  return inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf) ? buf : "";
}

bool parse_ip_text(const std::string& s, dp::IpAddr& out) {
  dp::IpAddr a{};
  if (inet_pton(AF_INET, s.c_str(), &a.bytes[12]) == 1) {
    a.bytes[10] = a.bytes[11] = 0xff;
    out = a;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    out = a;
    return true;
  }
  return false;
}

}  // namespace fg::anomaly
