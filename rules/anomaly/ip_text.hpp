// IP addresses as text and back (IPv4-mapped addresses print as dotted quads).
#pragma once

#include <string>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::anomaly {

std::string format_ip_text(const dp::IpAddr& a);
bool parse_ip_text(const std::string& s, dp::IpAddr& out);

}  // namespace fg::anomaly
