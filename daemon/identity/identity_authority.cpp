#include "daemon/identity/identity_authority.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

namespace {

using crypto::Refusal;

constexpr auto kContactFresh = std::chrono::seconds(30);   // a service contact names the MAC this long
constexpr auto kDiscoverySettle = std::chrono::seconds(2);  // collect protocols/peers before reporting

std::string mac_text(const dp::Mac& m) {
  rules::MacAddr a;
  a.bytes = m;
  return rules::format_mac(a);
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string protocols_text(std::uint16_t bits) {
  static constexpr std::pair<std::uint16_t, const char*> kNames[] = {
      {dp::kSeenArp, "arp"}, {dp::kSeenIcmp, "icmp"}, {dp::kSeenTcp, "tcp"}, {dp::kSeenUdp, "udp"},
      {dp::kSeenModbus, "modbus"}, {dp::kSeenS7comm, "s7comm"}, {dp::kSeenOpcua, "opcua"}, {dp::kSeenDnp3, "dnp3"},
      {dp::kSeenOtherL2, "other_l2"}, {dp::kSeenIpv6, "ipv6"}};
  std::string s;
  for (const auto& [bit, name] : kNames)
    if (bits & bit) s += (s.empty() ? "" : ",") + std::string(name);
  return s;
}

dp::BindingKind kind_of(rules::IdentityKind k) {
  switch (k) {
    case rules::IdentityKind::Static: return dp::BindingKind::Static;
    case rules::IdentityKind::Certificate: return dp::BindingKind::Certificate;
    case rules::IdentityKind::None: return dp::BindingKind::None;
  }
  return dp::BindingKind::Static;
}

}  // namespace

bool kernel_neighbour(const dp::IpAddr& ip, dp::Mac& mac) {
  if (!ip.is_v4()) return false;  // IPv6 neighbours: not read (docs/IDENTITY.md)
  std::ifstream in("/proc/net/arp");
  std::string line;
  std::getline(in, line);  // header
  const std::string want = rules::format_ip(ip);
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string addr, hw_type, flags, hw;
    ls >> addr >> hw_type >> flags >> hw;
    rules::MacAddr m;
    // Flags 0x2 = ATF_COM: a completed entry; an incomplete one has no usable MAC.
    if (addr == want && flags != "0x0" && rules::parse_mac(hw, m) && m.bytes != dp::Mac{}) {
      mac = m.bytes;
      return true;
    }
  }
  return false;
}

IdentityAuthority::IdentityAuthority(const IdentitySettings& s, rules::Inventory inventory,
                                     dp::Snapshot<dp::IdentityTable>& table,
                                     std::function<std::uint64_t()> dataplane_now_ns, NeighbourLookup neighbours)
    : settings_(s), inventory_(std::move(inventory)), table_(table), dp_now_(std::move(dataplane_now_ns)),
      neighbours_(std::move(neighbours)) {
  std::lock_guard<std::mutex> lock(mu_);
  publish_locked();
}

void IdentityAuthority::set_inventory(rules::Inventory inventory) {
  std::lock_guard<std::mutex> lock(mu_);
  inventory_ = std::move(inventory);
  // Leases of devices no longer in the inventory (or no longer certificate devices) end.
  for (auto it = leases_.begin(); it != leases_.end();) {
    const rules::Device* d = inventory_.find(it->first);
    auto next = std::next(it);
    if (d == nullptr || d->identity != rules::IdentityKind::Certificate)
      end_lease_locked(it, "identity.revoked", "the device left the inventory or is no longer a certificate device");
    it = next;
  }
  publish_locked();
}

void IdentityAuthority::publish_locked() {
  auto t = std::make_unique<dp::IdentityTable>();
  t->mode = settings_.enforce ? dp::IdentityMode::Enforce : dp::IdentityMode::Monitor;
  if (settings_.service()) {
    t->service_port = settings_.port;
    t->service_any_ip = settings_.listen == "0.0.0.0" || settings_.listen == "::";
    if (!t->service_any_ip) rules::parse_ip(settings_.listen, t->service_ip);
  }
  for (const rules::Device& d : inventory_.devices) {
    dp::IdentityBinding b;
    const std::size_t n = std::min(d.id.size(), b.id.size() - 1);
    std::memcpy(b.id.data(), d.id.data(), n);
    b.kind = kind_of(d.identity);
    if (d.mac) {
      b.mac = d.mac->bytes;
      b.has_mac = true;
    }
    if (d.vlan) {
      b.vlan = *d.vlan;
      b.has_vlan = true;
    }
    if (!d.ips.empty()) {
      b.first_ip = d.ips.front();
      b.has_ip = true;
    }
    auto lease = leases_.find(d.id);
    if (lease != leases_.end()) {
      b.lease_mac = lease->second.mac;
      b.lease_expires_ns = lease->second.expires_dp_ns;
    }
    const std::uint32_t index = t->add(b);
    for (const dp::IpAddr& ip : d.ips) t->add_ip(index, ip);
    // A certificate device declared without an address is found by its leased one.
    if (lease != leases_.end() && std::find(d.ips.begin(), d.ips.end(), lease->second.ip) == d.ips.end())
      t->add_ip(index, lease->second.ip);
  }
  t->finish();
  table_.publish(std::move(t));
  ++generation_;
}

void IdentityAuthority::event_locked(const std::string& name, const std::string& severity, const std::string& detail,
                                     const std::string& fields) {
  ControlEvent e;
  e.event = "identity";
  e.name = name;
  e.severity = severity;
  e.detail = detail;
  e.fields = fields;
  events_.push_back(std::move(e));
}

std::vector<ControlEvent> IdentityAuthority::take_events() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ControlEvent> out;
  out.swap(events_);
  return out;
}

crypto::AdmissionAnswer IdentityAuthority::refuse_locked(const crypto::AdmissionRequest& r, Refusal why,
                                                         const std::string& device, const std::string& detail) {
  std::string f;
  proto::JsonWriter w(f);
  w.begin_object();
  w.field("reason", crypto::refusal_name(why)).field("peer_ip", r.peer_ip);
  if (!device.empty()) w.field("device", device);
  if (r.has_certificate) {
    w.field("subject", r.cert.subject).field("issuer", r.cert.issuer).field("serial", r.cert.serial);
    w.key("names").begin_array();
    for (const auto& n : r.cert.names) w.value(n);
    w.end_array();
  }
  if (!detail.empty()) w.field("why", detail);
  w.end_object();
  std::string text = "admission refused: " + std::string(crypto::refusal_text(why));
  if (!device.empty()) text += " (device " + device + ")";
  text += " from " + r.peer_ip;
  event_locked("identity.refused", "high", text, proto::json_members(f));
  crypto::AdmissionAnswer a;
  a.reason = why;
  return a;
}

crypto::AdmissionAnswer IdentityAuthority::admit(const crypto::AdmissionRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.tls_refusal != Refusal::None) return refuse_locked(r, r.tls_refusal, "", r.tls_detail);
  if (operator_revoked_.count(r.cert.serial)) return refuse_locked(r, Refusal::Revoked, "", "revoked by the operator");
  const rules::Device* dev = nullptr;
  for (const auto& name : r.cert.names)
    if ((dev = inventory_.find(name)) != nullptr) break;
  if (dev == nullptr) return refuse_locked(r, Refusal::UnknownDevice, "", "");
  if (dev->identity != rules::IdentityKind::Certificate)
    return refuse_locked(r, Refusal::NotCertificateDevice, dev->id,
                         "its identity is " + std::string(rules::identity_kind_name(dev->identity)));
  dp::IpAddr ip{};
  if (!rules::parse_ip(r.peer_ip, ip)) return refuse_locked(r, Refusal::AddressMismatch, dev->id, "unreadable peer address");
  if (!dev->ips.empty() && std::find(dev->ips.begin(), dev->ips.end(), ip) == dev->ips.end())
    return refuse_locked(r, Refusal::AddressMismatch, dev->id, "");

  // The MAC to admit, most trustworthy first (docs/IDENTITY.md): the dataplane saw this
  // address's frames towards the service on a field port; else the kernel's neighbour
  // table (a connection through a management interface); else the current lease of the
  // same address (renewal); else the inventory binding.
  dp::Mac mac{};
  std::string source;
  auto lease = leases_.find(dev->id);
  if (auto c = contacts_.find(r.peer_ip); c != contacts_.end() && Clock::now() - c->second.seen < kContactFresh) {
    mac = c->second.mac;
    source = "dataplane";
  } else if (neighbours_ && neighbours_(ip, mac)) {
    source = "neighbour";
  } else if (lease != leases_.end() && lease->second.ip == ip) {
    mac = lease->second.mac;
    source = "lease";
  } else if (dev->mac) {
    mac = dev->mac->bytes;
    source = "inventory";
  } else {
    return refuse_locked(r, Refusal::NoMac, dev->id, "");
  }
  if (dev->mac && dev->mac->bytes != mac)
    return refuse_locked(r, Refusal::MacMismatch, dev->id, "seen " + mac_text(mac) + ", bound " + rules::format_mac(*dev->mac));

  const bool renewal = lease != leases_.end() && lease->second.ip == ip && lease->second.mac == mac;
  IdentityLease l = renewal ? lease->second : IdentityLease{};
  l.device = dev->id;
  l.mac = mac;
  l.ip = ip;
  l.mac_source = source;
  l.serial = r.cert.serial;
  l.expires = Clock::now() + std::chrono::nanoseconds(settings_.lease_ns);
  l.expires_dp_ns = dp_now_() + settings_.lease_ns;
  if (renewal) ++l.renewals;
  else l.admitted_at = std::chrono::system_clock::now();
  leases_[dev->id] = l;
  publish_locked();

  const std::uint32_t lease_s = static_cast<std::uint32_t>(settings_.lease_ns / 1'000'000'000ull);
  std::string f;
  proto::JsonWriter w(f);
  w.begin_object();
  w.field("device", dev->id).field("ip", r.peer_ip).field("mac", mac_text(mac)).field("mac_source", source);
  w.field("lease_s", lease_s).field("serial", r.cert.serial).field("subject", r.cert.subject);
  w.end_object();
  event_locked(renewal ? "identity.renewed" : "identity.admitted", "info",
               std::string(renewal ? "lease renewed" : "device admitted") + ": " + dev->id + " at " + r.peer_ip + " (" +
                   mac_text(mac) + ") for " + std::to_string(lease_s) + "s",
               proto::json_members(f));
  crypto::AdmissionAnswer a;
  a.ok = true;
  a.device = dev->id;
  a.lease_s = lease_s;
  return a;
}

void IdentityAuthority::end_lease_locked(std::map<std::string, IdentityLease>::iterator it, const std::string& name,
                                         const std::string& why) {
  std::string f;
  proto::JsonWriter w(f);
  w.begin_object();
  w.field("device", it->first).field("ip", rules::format_ip(it->second.ip)).field("mac", mac_text(it->second.mac));
  w.field("serial", it->second.serial).field("why", why);
  w.end_object();
  event_locked(name, name == "identity.lease_expired" ? "medium" : "high",
               (name == "identity.lease_expired" ? "lease expired: " : "lease revoked: ") + it->first + " at " +
                   rules::format_ip(it->second.ip) + " (" + why + "); its traffic no longer passes",
               proto::json_members(f));
  leases_.erase(it);
}

bool IdentityAuthority::revoke(const std::string& device, const std::string& by) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = leases_.find(device);
  if (it == leases_.end()) return false;
  operator_revoked_.insert(it->second.serial);
  end_lease_locked(it, "identity.revoked", "revoked by " + by);
  publish_locked();
  return true;
}

void IdentityAuthority::revoke_serials(const std::vector<std::string>& serials) {
  std::lock_guard<std::mutex> lock(mu_);
  bool changed = false;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto next = std::next(it);
    if (std::find(serials.begin(), serials.end(), it->second.serial) != serials.end()) {
      end_lease_locked(it, "identity.revoked", "certificate serial " + it->second.serial + " is in the CRL");
      changed = true;
    }
    it = next;
  }
  if (changed) publish_locked();
}

void IdentityAuthority::tick() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  bool changed = false;
  for (auto it = leases_.begin(); it != leases_.end();) {
    auto next = std::next(it);
    if (it->second.expires <= now) {
      end_lease_locked(it, "identity.lease_expired", "not renewed in time");
      changed = true;
    }
    it = next;
  }
  if (changed) publish_locked();
  for (auto& [key, d] : discovered_) {
    if (d.reported || now - d.first_seen < kDiscoverySettle) continue;
    d.reported = true;
    const dp::IdentityObservation& o = d.last;
    std::string f;
    proto::JsonWriter w(f);
    w.begin_object();
    w.field("mac", mac_text(o.mac));
    if (o.ip != dp::IpAddr{}) w.field("ip", rules::format_ip(o.ip));
    if (o.vlan != 0) w.field("vlan", static_cast<unsigned>(o.vlan));
    w.field("port", static_cast<unsigned>(o.port));
    w.key("protocols").begin_array();
    const std::string protos = protocols_text(o.protocols);
    for (std::size_t b = 0, e; b < protos.size(); b = e + 1) {
      e = protos.find(',', b);
      if (e == std::string::npos) e = protos.size();
      w.value(std::string_view(protos).substr(b, e - b));
    }
    w.end_array();
    w.key("peers").begin_array();
    for (int i = 0; i < o.peer_count; ++i) w.value(rules::format_ip(o.peers[static_cast<std::size_t>(i)]));
    w.end_array();
    w.end_object();
    event_locked("identity.new_device", "medium",
                 "new device " + mac_text(o.mac) + (o.ip != dp::IpAddr{} ? " (" + rules::format_ip(o.ip) + ")" : "") +
                     " not in the inventory; seen using " + (protos.empty() ? "nothing identifiable" : protos),
                 proto::json_members(f));
  }
  // Bounded memory: forget reported discoveries and stale contacts after a while.
  for (auto it = discovered_.begin(); it != discovered_.end();)
    it = (it->second.reported && now - it->second.first_seen > std::chrono::hours(1)) ? discovered_.erase(it) : std::next(it);
  for (auto it = contacts_.begin(); it != contacts_.end();)
    it = now - it->second.seen > kContactFresh ? contacts_.erase(it) : std::next(it);
  table_.reclaim();
}

void IdentityAuthority::observe(const dp::IdentityObservation& o) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  if (o.finding == dp::IdentityFinding::ServiceContact) {
    contacts_[rules::format_ip(o.ip)] = {o.mac, o.vlan, now};
    return;
  }
  if (o.finding == dp::IdentityFinding::NewDevice) {
    const std::string key = mac_text(o.mac) + " " + rules::format_ip(o.ip);
    auto [it, fresh] = discovered_.try_emplace(key);
    if (fresh) {
      if (discovered_.size() > 4096) {  // bounded: beyond this, new devices are only counted by the stage
        discovered_.erase(it);
        return;
      }
      it->second.first_seen = now;
    }
    it->second.last = o;
    return;
  }
  const std::string device(o.device.data());
  const std::string seen_ip = o.ip != dp::IpAddr{} ? rules::format_ip(o.ip) : "";
  std::string f;
  proto::JsonWriter w(f);
  w.begin_object();
  if (!device.empty()) w.field("device", device);
  w.field("action", o.dropped ? "dropped" : "reported").field("port", static_cast<unsigned>(o.port));
  w.field("mac", mac_text(o.mac));
  if (!seen_ip.empty()) w.field("ip", seen_ip);
  if (o.vlan != 0) w.field("vlan", static_cast<unsigned>(o.vlan));
  if (o.has_expected_mac) w.field("expected_mac", mac_text(o.expected_mac));
  if (o.has_expected_ip) w.field("expected_ip", rules::format_ip(o.expected_ip));
  if (o.has_expected_vlan) w.field("expected_vlan", static_cast<unsigned>(o.expected_vlan));
  w.end_object();
  const std::string who = seen_ip.empty() ? mac_text(o.mac) : seen_ip + " from " + mac_text(o.mac);
  const std::string verdict = o.dropped ? " (dropped)" : " (reported, monitor mode)";
  std::string detail, severity = "high";
  switch (o.finding) {
    case dp::IdentityFinding::SpoofedIp:
      detail = "spoofed address: " + seen_ip + " of " + device + " sent from " + mac_text(o.mac) + ", expected " +
               (o.has_expected_mac ? mac_text(o.expected_mac) : "its bound MAC");
      break;
    case dp::IdentityFinding::UnknownDevice:
      detail = "unknown device: " + who + " is not in the inventory";
      severity = "medium";
      break;
    case dp::IdentityFinding::UnknownIp:
      detail = "unknown address: " + seen_ip + " from " + mac_text(o.mac) + " (" + device + "), expected " +
               (o.has_expected_ip ? rules::format_ip(o.expected_ip) : "an address bound to it");
      break;
    case dp::IdentityFinding::WrongVlan:
      detail = "wrong VLAN: " + device + " (" + who + ") on VLAN " + std::to_string(o.vlan) + ", expected VLAN " +
               std::to_string(o.expected_vlan);
      break;
    case dp::IdentityFinding::ArpPoison:
      detail = "ARP poisoning: " + mac_text(o.mac) + " claims " + seen_ip + " of " + device + ", expected " +
               (o.has_expected_mac ? mac_text(o.expected_mac) : "its bound MAC");
      severity = "critical";
      break;
    case dp::IdentityFinding::NotAdmitted:
      detail = "not admitted: " + device + " (" + who + ") holds no lease; only the identity service is reachable";
      severity = "medium";
      break;
    default: return;
  }
  event_locked(std::string(dp::finding_name(o.finding)), severity, detail + verdict, proto::json_members(f));
}

std::string IdentityAuthority::devices_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  w.field("mode", settings_.enforce ? "enforce" : "monitor");
  w.key("devices").begin_array();
  for (const auto& d : inventory_.devices) {
    w.begin_object();
    w.field("id", d.id).field("identity", rules::identity_kind_name(d.identity));
    w.field("mac", d.mac ? rules::format_mac(*d.mac) : std::string());
    std::string ips;
    for (const auto& ip : d.ips) ips += (ips.empty() ? "" : ",") + rules::format_ip(ip);
    w.field("ip", ips);
    w.field("vlan", d.vlan ? std::to_string(*d.vlan) : std::string());
    const auto l = leases_.find(d.id);
    w.field("admitted", l != leases_.end());
    w.end_object();
  }
  w.end_array();
  w.key("discovered").begin_array();
  for (const auto& [key, d] : discovered_) {
    w.begin_object();
    w.field("mac", mac_text(d.last.mac));
    w.field("ip", d.last.ip != dp::IpAddr{} ? rules::format_ip(d.last.ip) : std::string());
    w.field("protocols", protocols_text(d.last.protocols));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

std::string IdentityAuthority::leases_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  std::string out;
  proto::JsonWriter w(out);
  w.begin_array();
  for (const auto& [id, l] : leases_) {
    w.begin_object();
    w.field("device", id).field("ip", rules::format_ip(l.ip)).field("mac", mac_text(l.mac)).field("mac_source", l.mac_source);
    w.field("serial", l.serial).field("admitted_at", iso_time(l.admitted_at));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(l.expires - now).count();
    w.field("expires_in_s", static_cast<double>(std::max<std::int64_t>(left, 0)) / 1000.0);
    w.field("renewals", static_cast<unsigned>(l.renewals));
    w.end_object();
  }
  w.end_array();
  return out;
}

}  // namespace fg::daemon
