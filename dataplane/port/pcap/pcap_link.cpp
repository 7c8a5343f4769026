#include "dataplane/port/pcap/pcap_link.hpp"

#include <pcap/pcap.h>

namespace fg::dp {

std::optional<LinkType> link_type_from_dlt(int dlt) noexcept {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::Ethernet;
    case DLT_LINUX_SLL: return LinkType::LinuxSll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::LinuxSll2;
#endif
    case DLT_NULL: return LinkType::Null;
    case DLT_LOOP: return LinkType::Loop;
    case DLT_RAW:
#if defined(DLT_RAW) && DLT_RAW != 12
    case 12:
#endif
    case 14:
    case 101: return LinkType::RawIp;  // LINKTYPE_RAW and the BSD numbers of DLT_RAW
#ifdef DLT_IPV4
    case DLT_IPV4: return LinkType::Ipv4;
#endif
#ifdef DLT_IPV6
    case DLT_IPV6: return LinkType::Ipv6;
#endif
    default: return std::nullopt;
  }
}

}  // namespace fg::dp
