#include "dataplane/identity/identity_table.hpp"

namespace fg::dp {

namespace {
std::uint32_t capacity_for(std::size_t n) {
  std::uint32_t c = 16;
  while (c < n * 2) c <<= 1;
  return c;
}
}  // namespace

void IdentityTable::finish() {
  // The first binding of an address or MAC wins; the builder reports duplicates.
  ip_index_.assign(capacity_for(ips_.size()), IpSlot{});
  ip_mask_ = static_cast<std::uint32_t>(ip_index_.size() - 1);
  for (const IpSlot& s : ips_) {
    std::uint32_t i = hash_ip(s.ip) & ip_mask_;
    while (ip_index_[i].binding != 0 && !(ip_index_[i].ip == s.ip)) i = (i + 1) & ip_mask_;
    if (ip_index_[i].binding == 0) ip_index_[i] = s;
  }
  std::size_t macs = 0;
  for (const auto& b : bindings_) macs += b.has_mac;
  mac_index_.assign(capacity_for(macs), MacSlot{});
  mac_mask_ = static_cast<std::uint32_t>(mac_index_.size() - 1);
  for (std::size_t b = 0; b < bindings_.size(); ++b) {
    if (!bindings_[b].has_mac) continue;
    const std::uint64_t key = mac_key(bindings_[b].mac);
    std::uint32_t i = hash_mac(key) & mac_mask_;
    while (mac_index_[i].binding != 0 && mac_index_[i].mac != key) i = (i + 1) & mac_mask_;
    if (mac_index_[i].binding == 0) mac_index_[i] = {key, static_cast<std::uint32_t>(b + 1)};
  }
  ips_.clear();
  ips_.shrink_to_fit();
}

}  // namespace fg::dp
