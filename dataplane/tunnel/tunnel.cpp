#include "dataplane/tunnel/tunnel.hpp"

#include <cstdio>

#include "dataplane/tunnel/tunnel_stage.hpp"
#include "protocols/common/json_writer.hpp"
#include "protocols/common/wall_clock.hpp"

namespace fg::dp {

namespace {

using esp::spi_text;

std::string ip_text(std::uint32_t ip) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
  return b;
}

std::string mac_text(std::uint64_t v) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>((v >> 40) & 255),
                static_cast<unsigned>((v >> 32) & 255), static_cast<unsigned>((v >> 24) & 255),
                static_cast<unsigned>((v >> 16) & 255), static_cast<unsigned>((v >> 8) & 255),
                static_cast<unsigned>(v & 255));
  return b;
}

}  // namespace

Tunnel::Tunnel(TunnelSettings settings, RcuDomain& rcu, std::uint32_t workers)
    : settings_(std::move(settings)), workers_(workers == 0 ? 1 : workers), table_(rcu) {
  if (settings_.next_hop_ip == 0) settings_.next_hop_ip = settings_.remote_ip;
  if (settings_.next_hop_mac) learn_next_hop(settings_.next_hop_mac->data());
  for (std::uint32_t w = 0; w < workers_; ++w) stages_.push_back(std::make_unique<TunnelStage>(*this, w));
  table_.publish(std::make_unique<SaTable>());
}

Tunnel::~Tunnel() = default;

PacketStage* Tunnel::stage(std::uint32_t w) noexcept { return w < stages_.size() ? stages_[w].get() : nullptr; }

void Tunnel::learn_next_hop(const std::uint8_t* mac) noexcept {
  const std::uint64_t v = HostMacs::pack(mac) | (std::uint64_t{1} << 48);
  if (next_hop_mac_.load(std::memory_order_relaxed) != v) next_hop_mac_.store(v, std::memory_order_relaxed);
}

bool Tunnel::validate(const std::vector<esp::SaSpec>& specs, std::string& error) const {
  if (specs.empty()) {
    error = "no security associations given";
    return false;
  }
  int outs = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].spi < 256) {
      error = "SPI " + spi_text(specs[i].spi) + " is reserved (RFC 4303 §2.1: 1-255 are IANA's, 0 is none)";
      return false;
    }
    outs += specs[i].dir == esp::Direction::Out;
    for (std::size_t j = 0; j < i; ++j)
      if (specs[j].spi == specs[i].spi && specs[j].dir == specs[i].dir) {
        error = "SPI " + spi_text(specs[i].spi) + " given twice";
        return false;
      }
  }
  if (outs > 1) {
    error = "more than one outbound SA (one is in force at a time)";
    return false;
  }
  return true;
}

void Tunnel::publish(std::unique_ptr<SaTable> next) { table_.publish(std::move(next)); }

bool Tunnel::install(std::vector<esp::SaSpec> specs, const std::string& origin, SaChange& change, std::string& error) {
  std::lock_guard lock(control_mu_);
  if (!validate(specs, error)) {
    for (auto& s : specs) esp::wipe(s);
    return false;
  }
  auto next = std::make_unique<SaTable>();
  const SaTable* cur = table_.get();
  change.old_out_spi = cur && cur->out ? cur->out->spi : 0;
  for (auto& s : specs) {
    const esp::Direction dir = s.dir;
    auto st = make_sa_state(s, workers_, error);
    if (!st) {
      for (auto& r : specs) esp::wipe(r);
      return false;
    }
    st->origin = origin;
    if (dir == esp::Direction::Out) next->out = std::move(st);
    else next->in.push_back(std::move(st));
  }
  next->rekeys = cur ? cur->rekeys : 0;
  next->last_rekey_unix_ns = proto::unix_now_ns();
  change.out_spi = next->out ? next->out->spi : 0;
  change.summary = "out " + (next->out ? spi_text(next->out->spi) : std::string("none")) + ", " +
                   std::to_string(next->in.size()) + " inbound";
  publish(std::move(next));
  return true;
}

bool Tunnel::rekey(std::vector<esp::SaSpec> specs, std::uint64_t grace_ns, std::uint64_t now_mono_ns,
                   const std::string& origin, SaChange& change, std::string& error) {
  std::lock_guard lock(control_mu_);
  if (!validate(specs, error)) {
    for (auto& s : specs) esp::wipe(s);
    return false;
  }
  const SaTable* cur = table_.get();
  for (const auto& s : specs) {
    if (s.dir == esp::Direction::In && cur->inbound(s.spi) != nullptr) {
      error = "inbound SPI " + spi_text(s.spi) + " is already installed (a rekey brings new SPIs)";
      for (auto& r : specs) esp::wipe(r);
      return false;
    }
    if (s.dir == esp::Direction::Out && cur->out && cur->out->spi == s.spi) {
      error = "outbound SPI " + spi_text(s.spi) + " is the one in force (a rekey brings a new SPI)";
      for (auto& r : specs) esp::wipe(r);
      return false;
    }
  }
  // Make the new SA states first: if OpenSSL fails, nothing has changed.
  std::vector<std::shared_ptr<SaState>> made;
  bool new_in = false;
  for (auto& s : specs) {
    new_in |= s.dir == esp::Direction::In;
    auto st = make_sa_state(s, workers_, error);
    if (!st) {
      for (auto& r : specs) esp::wipe(r);
      return false;
    }
    st->origin = origin;
    made.push_back(std::move(st));
  }
  auto next = std::make_unique<SaTable>(*cur);  // shares the SA states: counters and windows carry on
  change.old_out_spi = cur->out ? cur->out->spi : 0;
  std::size_t in_grace = 0;
  if (new_in) {
    for (auto& old : next->in) {
      // Workers never read the expiry; only this control thread does.
      if (old->expires_mono_ns == 0) old->expires_mono_ns = now_mono_ns + grace_ns;
      ++in_grace;
    }
  }
  for (auto& st : made) {
    if (st->dir == esp::Direction::Out && next->out) {
      next->out->expires_mono_ns = now_mono_ns + grace_ns;
      next->retired_out.push_back(next->out);
    }
    if (st->dir == esp::Direction::Out) next->out = std::move(st);
    else next->in.insert(next->in.begin(), std::move(st));  // newest first: found first
  }
  ++next->rekeys;
  next->last_rekey_unix_ns = proto::unix_now_ns();
  change.out_spi = next->out ? next->out->spi : 0;
  change.summary = "out " + (next->out ? spi_text(next->out->spi) : std::string("none")) + " (was " +
                   (change.old_out_spi ? spi_text(change.old_out_spi) : std::string("none")) + "), " +
                   std::to_string(next->in.size()) + " inbound (" + std::to_string(in_grace) + " in grace)";
  publish(std::move(next));
  return true;
}

std::vector<std::uint32_t> Tunnel::tick(std::uint64_t now_mono_ns) {
  std::lock_guard lock(control_mu_);
  std::vector<std::uint32_t> removed;
  const SaTable* cur = table_.get();
  auto expired = [&](const std::shared_ptr<SaState>& s) {
    return s->expires_mono_ns != 0 && s->expires_mono_ns <= now_mono_ns;
  };
  for (const auto& s : cur->in)
    if (expired(s)) removed.push_back(s->spi);
  bool retired = false;
  for (const auto& s : cur->retired_out) retired |= expired(s);
  if (!removed.empty() || retired) {
    auto next = std::make_unique<SaTable>(*cur);
    std::erase_if(next->in, expired);
    std::erase_if(next->retired_out, expired);
    publish(std::move(next));
  }
  table_.reclaim();
  return removed;
}

TunnelCounters Tunnel::totals() const noexcept {
  TunnelCounters t;
  for (const auto& s : stages_) t.add(s->counters());
  return t;
}

std::string Tunnel::report_json() const {
  std::lock_guard lock(control_mu_);
  std::string out;
  proto::JsonWriter w(out);
  const SaTable* t = table_.get();
  w.begin_object();
  w.field("local", ip_text(settings_.local_ip)).field("remote", ip_text(settings_.remote_ip));
  w.field("next_hop", ip_text(settings_.next_hop_ip));
  const std::uint64_t nh = next_hop_mac();
  w.key("next_hop_mac");
  if (nh >> 48) w.value(mac_text(nh & 0xffffffffffffull));
  else w.null();
  w.field("selectors", static_cast<std::uint64_t>(settings_.selectors.size()));
  w.field("rekeys", t->rekeys).field("last_rekey_unix_ns", t->last_rekey_unix_ns);
  w.key("sas").begin_array();
  auto sa = [&](const SaState& s, bool active) {
    w.begin_object();
    w.field("spi", spi_text(s.spi)).field("direction", s.dir == esp::Direction::Out ? "out" : "in");
    w.field("state", active ? "active" : s.dir == esp::Direction::Out ? "retired" : "grace").field("esn", s.esn).field("origin", s.origin);
    w.field("packets", s.packets.load(std::memory_order_relaxed)).field("bytes", s.bytes.load(std::memory_order_relaxed));
    if (s.dir == esp::Direction::Out) w.field("seq", s.seq.load(std::memory_order_relaxed));
    else w.field("window_top", s.window.top());  // racy read of one word, display only
    w.key("drops").begin_object();
    for (int i = 0; i < static_cast<int>(SaDrop::kCount); ++i)
      w.field(sa_drop_name(static_cast<SaDrop>(i)), s.drops[i].load(std::memory_order_relaxed));
    w.end_object();
    w.field("created_unix_ns", s.created_unix_ns);
    w.end_object();
  };
  if (t->out) sa(*t->out, true);
  for (const auto& s : t->retired_out) sa(*s, false);
  for (const auto& s : t->in) sa(*s, s->expires_mono_ns == 0);
  w.end_array();
  const TunnelCounters c = totals();
  w.key("counters").begin_object();
  w.field("encapsulated", c.encapsulated).field("encapsulated_bytes", c.encapsulated_bytes);
  w.field("decapsulated", c.decapsulated).field("decapsulated_bytes", c.decapsulated_bytes);
  w.field("arp_replies", c.arp_replies).field("arp_requests", c.arp_requests);
  w.key("drops").begin_object();
  for (int i = 0; i < static_cast<int>(TunnelDrop::kCount); ++i)
    w.field(tunnel_drop_name(static_cast<TunnelDrop>(i)), c.drops[i]);
  w.end_object().end_object();
  w.end_object();
  return out;
}

}  // namespace fg::dp
