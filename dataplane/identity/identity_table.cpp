#include "dataplane/identity/identity_table.hpp"

#include <cstring>

namespace fg::dp {

namespace {
// Load at most 1/4 (1/2 beyond 64K entries): most lookups find their slot at the first probe.
std::uint32_t capacity_for(std::size_t n) {
  std::uint32_t c = 16;
  while (c < n * (n < 65536 ? 4 : 2)) c <<= 1;
  return c;
}
}  // namespace

void IdentityTable::finish() {
  // The first binding of an address or MAC wins; the builder reports duplicates.
  ip_index_.assign(capacity_for(ips_.size()), IpSlot{});
  ip_mask_ = static_cast<std::uint32_t>(ip_index_.size() - 1);
  for (const PendingIp& p : ips_) {
    IpSlot s;
    std::memcpy(&s.ip_lo, p.ip.bytes.data(), 8);
    std::memcpy(&s.ip_hi, p.ip.bytes.data() + 8, 8);
    const IdentityBinding& b = bindings_[p.binding - 1];
    s.binding = p.binding;
    s.kind = b.kind;
    s.lease_mac = mac_key(b.lease_mac);
    s.lease_expires_ns = b.lease_expires_ns;
    if (b.kind == BindingKind::Certificate) {
      s.fast_key = 1ull << 63;
      s.fast_mask = ~0ull;
    } else if (b.kind == BindingKind::Static) {
      s.fast_key = (b.has_mac ? mac_key(b.mac) : 0) | (b.has_vlan ? std::uint64_t{b.vlan} << 48 : 0);
      s.fast_mask = (b.has_mac ? 0xffffffffffffull : 0) | (b.has_vlan ? 0xffffull << 48 : 0);
    }
    std::uint32_t i = hash_words(s.ip_lo, s.ip_hi) & ip_mask_;
    while (ip_index_[i].binding != 0 && !(ip_index_[i].ip_lo == s.ip_lo && ip_index_[i].ip_hi == s.ip_hi))
      i = (i + 1) & ip_mask_;
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
