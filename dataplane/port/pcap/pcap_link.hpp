// Maps libpcap data link types to the link types decode understands.
#pragma once

#include <optional>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

// nullopt for link types the pipeline cannot decode.
std::optional<LinkType> link_type_from_dlt(int dlt) noexcept;

}  // namespace fg::dp
