// Maps a pcap link-layer type (pcap_datalink() / file header) to the decode stage's LinkType.
#pragma once

#include <optional>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

// Accepts both the DLT_* values pcap_datalink() returns and the LINKTYPE_* values stored in
// files, since they differ for raw IP (DLT_RAW 12 or 14 vs LINKTYPE_RAW 101). nullopt means
// the capture's frames cannot be decoded and should be refused when the file is opened.
constexpr std::optional<LinkType> link_type_from_pcap(int linktype) noexcept {
  switch (linktype) {
    case 0: return LinkType::Null;
    case 1: return LinkType::Ethernet;
    case 12: case 14: case 101: return LinkType::RawIp;
    case 108: return LinkType::Loop;
    case 113: return LinkType::LinuxSll;
    case 228: return LinkType::Ipv4;
    case 229: return LinkType::Ipv6;
    case 276: return LinkType::LinuxSll2;
    default: return std::nullopt;
  }
}

}  // namespace fg::dp
