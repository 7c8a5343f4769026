#include "rules/anomaly/anomaly_engine.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>

#include <unistd.h>

#include "protocols/common/json_writer.hpp"
#include "rules/anomaly/anomaly_events.hpp"
#include "rules/anomaly/ip_text.hpp"

namespace fg::anomaly {

namespace {

constexpr std::uint64_t kSecondNs = 1'000'000'000ull;
constexpr std::size_t kMaxPairStates = 65536;

bool ip_less(const dp::IpAddr& a, const dp::IpAddr& b) { return a.bytes < b.bytes; }

RateLimits request_limits(const RateSettings& r, std::uint32_t fixed) {
  RateLimits l;
  l.fixed = fixed;
  l.floor = r.request_floor;
  l.k_sigma = r.k_sigma;
  l.alpha = r.ewma_alpha;
  l.warmup = r.warmup_windows;
  return l;
}

// The kind's message with its {0}/{1} arguments filled in, for the quarantine's reason.
std::string describe(const proto::AnomalyKind& k, std::int64_t a0, std::int64_t a1) {
  std::string out;
  const std::string_view m = k.message;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '{' && i + 2 < m.size() && m[i + 2] == '}' && (m[i + 1] == '0' || m[i + 1] == '1')) {
      out += std::to_string(m[i + 1] == '0' ? a0 : a1);
      i += 2;
    } else {
      out += m[i];
    }
  }
  return out;
}

// "client -> server:port", as `baseline show` lists a quarantined pair.
std::string pair_text(const QuarantineEntry& q) {
  return format_ip_text(q.client) + " -> " + format_ip_text(q.server) + ":" + std::to_string(q.port);
}

// The pair as an event's fields (without the braces; `extra` adds more fields).
std::string pair_fields(const QuarantineEntry& q, const std::function<void(proto::JsonWriter&)>& extra = {}) {
  std::string fields;
  proto::JsonWriter w(fields);
  w.begin_object().field("src_ip", format_ip_text(q.client)).field("dst_ip", format_ip_text(q.server));
  w.field("dst_port", static_cast<unsigned>(q.port));
  if (extra) extra(w);
  w.end_object();
  return proto::json_members(fields);
}

std::string utc_text(std::uint64_t ns) {
  const auto t = static_cast<std::time_t>(ns / kSecondNs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

AnomalyEngine::AnomalyEngine(AnomalySettings s, EventFn on_event, NoteFn on_note)
    : s_(std::move(s)), on_event_(std::move(on_event)), on_note_(std::move(on_note)), devices_(ip_less) {
  mode_ = s_.baseline.mode;
}

void AnomalyEngine::apply_settings(const AnomalySettings& next) {
  const BaselineSettings kept = s_.baseline;
  const std::uint64_t window_ns = s_.clustering.window_ns;
  s_ = next;
  s_.baseline.mode = kept.mode;
  s_.baseline.mode_set = kept.mode_set;
  s_.baseline.state_dir = kept.state_dir;
  s_.clustering.window_ns = window_ns;
  // Clustering switched off: the open windows are dropped rather than closed half-way later.
  if (!s_.clustering.enabled)
    for (auto& [k, ps] : pair_state_) ps.window_open = false;
  // The quarantine table carries baseline.action: the daemon publishes it again.
  ++quarantine_version_;
}

void AnomalyEngine::note(const std::string& name, const std::string& severity, const std::string& detail,
                         const std::string& fields) {
  if (!on_note_) return;
  EngineNote n;
  n.event = name.rfind("behaviour.", 0) == 0 ? "anomaly" : "baseline";
  n.name = name;
  n.severity = severity;
  n.detail = detail;
  n.fields = fields;
  on_note_(n);
}

void AnomalyEngine::emit(const dp::AuditEntry& e, const proto::AnomalyKind& k, std::int64_t a0, std::int64_t a1,
                         dp::Action act) {
  if (!on_event_) return;
  dp::EventEntry ev;
  ev.ctx = e.ctx;
  ev.kind = dp::EventKind::Anomaly;
  ev.proto = std::visit([](const auto& r) -> proto::Protocol {
    if constexpr (std::is_same_v<std::decay_t<decltype(r)>, std::monostate>) return proto::Protocol::None;
    else return r.protocol;
  }, e.record);
  ev.action = act;
  ev.rule = e.rule;
  ev.anomaly = {&k, a0, a1};
  on_event_(ev);
}

void AnomalyEngine::on_audit(const dp::AuditEntry& e) {
  ++stats_.records;
  Observation o;
  if (!observe(e, o)) return;
  ++stats_.observations;
  const PairKey key = pair_of(o);
  auto it = pair_state_.find(key);
  if (it == pair_state_.end()) {
    if (pair_state_.size() >= kMaxPairStates) return;  // a spoofing flood must not exhaust memory
    it = pair_state_.emplace(key, PairState{}).first;
  }
  PairState& ps = it->second;
  if (o.request) ps.last_ctx = e.ctx;

  if (s_.clustering.enabled) {
    const std::uint64_t w = s_.clustering.window_ns;
    if (ps.window_open && o.ts_ns >= ps.window.start_ns() + w) close_window(key, ps);
    if (!ps.window_open) {
      ps.window.reset(o.ts_ns - o.ts_ns % w);
      ps.window_open = true;
    }
    ps.window.add(o);
  }
  if (mode_ == Mode::Learn) {
    if (baseline_.learn(o)) stats_.learned += o.request;
    else ++stats_.not_learned;
  } else if (mode_ == Mode::Enforce) {
    enforce_baseline(o, e, ps);
  }
  if (s_.rates.enabled && o.request) count_rates(o, e, ps);
  if (o.ts_ns >= last_tick_ns_ + kSecondNs) tick(o.ts_ns);
}

void AnomalyEngine::enforce_baseline(const Observation& o, const dp::AuditEntry& e, PairState& ps) {
  std::vector<Violation> found;
  baseline_.check(o, found);
  for (const Violation& v : found) {
    std::uint64_t& last = ps.last_event_ns[v.kind];
    if (last != 0 && o.ts_ns < last + s_.baseline.event_holdoff_ns) {
      ++stats_.baseline_suppressed;
      continue;
    }
    last = o.ts_ns;
    ++stats_.baseline_events;
    emit(e, *v.kind, v.arg0, v.arg1, s_.baseline.action);
  }
  if (found.empty() || s_.baseline.action < dp::Action::Drop) return;
  // The request itself has passed (it is judged from its audit record); what follows from
  // this client to this server is cut off in the workers.
  const QuarantineEntry q{o.client, o.server, o.server_port};
  if (quarantined_.count(q) || quarantined_.size() >= Quarantine::kMaxPairs) return;
  const Violation& why = found.front();
  const std::string action(dp::action_name(s_.baseline.action));
  QuarantineReason& r = quarantined_[q];
  r.event = std::string(why.kind->name);
  r.detail = describe(*why.kind, why.arg0, why.arg1);
  r.action = action;
  r.since_ns = o.ts_ns;
  ++stats_.quarantined;
  quarantine_changed();
  note("baseline.quarantined", "high",
       pair_text(q) + " cut off (" + action + ") after " + std::string(why.kind->name) +
           "; `fieldguardctl baseline release` lifts it",
       pair_fields(q, [&](proto::JsonWriter& w) { w.field("action", action).field("because", why.kind->name); }));
}

void AnomalyEngine::quarantine_changed() {
  ++quarantine_version_;
  // Saved at once: the quarantine is a security decision and must outlive a restart.
  std::string error;
  if (!save_quarantine(error)) note("baseline.save_failed", "high", error);
}

Quarantine AnomalyEngine::quarantine() const {
  Quarantine q;
  q.action = s_.baseline.action;
  q.pairs.reserve(quarantined_.size());
  for (const auto& [entry, reason] : quarantined_) q.pairs.push_back(entry);
  q.seal();
  return q;
}

bool AnomalyEngine::release(std::string& json, std::string& error, const QuarantineEntry* pair) {
  if (pair != nullptr) {
    const std::string name = pair_text(*pair);
    if (quarantined_.erase(*pair) == 0) {
      error = name + " is not quarantined (`fieldguardctl baseline show` lists the pairs that are)";
      return false;
    }
    quarantine_changed();
    note("baseline.released", "info",
         name + " released; " + std::to_string(quarantined_.size()) + " pair(s) stay quarantined", pair_fields(*pair));
  } else if (const std::size_t n = quarantined_.size(); n > 0) {
    quarantined_.clear();
    quarantine_changed();
    note("baseline.released", "info", std::to_string(n) + " quarantined pair(s) released");
  }
  json = show_json();
  return true;
}

void AnomalyEngine::count_rates(const Observation& o, const dp::AuditEntry& e, PairState& ps) {
  const RateSettings& r = s_.rates;
  // Pair: in enforce mode the learned peak with headroom (3x + 10: polls drift in and out of
  // one-second windows, so a peak of n is often followed by 2n), else the online EWMA.
  {
    const RateLimits l = request_limits(r, r.flow_requests_per_s);
    if (ps.rate.start_ns == 0 && ps.rate.windows == 0) ps.rate.start_ns = o.ts_ns;
    ps.rate.roll(o.ts_ns, kSecondNs, l);
    const std::uint32_t n = ++ps.rate.count;
    std::uint32_t limit = ps.rate.threshold(l);
    if (r.flow_requests_per_s == 0 && mode_ == Mode::Enforce)
      if (const PairProfile* p = baseline_.find(pair_of(o))) limit = 3 * p->max_rate + 10;
    if (n > limit && !ps.rate.alerted) {
      ps.rate.alerted = true;
      ++stats_.rate_events;
      emit(e, events::kFlowRequestRate, n, limit, r.action);
    }
  }
  auto dev = devices_.find(o.server);
  if (dev == devices_.end()) {
    if (devices_.size() >= kMaxPairStates) return;  // bounded like the pairs
    dev = devices_.emplace(o.server, DeviceState{}).first;
  }
  {
    DeviceState& d = dev->second;
    const RateLimits l = request_limits(r, r.device_requests_per_s);
    if (d.rate.start_ns == 0 && d.rate.windows == 0) d.rate.start_ns = o.ts_ns;
    d.rate.roll(o.ts_ns, kSecondNs, l);
    const std::uint32_t n = ++d.rate.count;
    const std::uint32_t limit = d.rate.threshold(l);
    if (n > limit && !d.rate.alerted) {
      d.rate.alerted = true;
      ++stats_.rate_events;
      emit(e, events::kDeviceRequestRate, n, limit, r.action);
    }
  }
}

void AnomalyEngine::close_window(const PairKey& k, PairState& ps) {
  ps.window_open = false;
  if (ps.window.requests() == 0) return;
  ++stats_.windows;
  const FeatureVector f = ps.window.features(s_.clustering.window_ns);
  if (mode_ == Mode::Learn) {
    // Reservoir sampling keeps a uniform sample of all windows once the cap is reached.
    ++training_seen_;
    if (training_.size() < s_.clustering.max_training_windows) {
      training_.push_back(f);
    } else {
      static thread_local std::mt19937_64 rng(12345);
      const std::uint64_t j = rng() % training_seen_;
      if (j < training_.size()) training_[j] = f;
    }
    return;
  }
  if (mode_ != Mode::Enforce || !behaviour_.trained()) return;
  const BehaviourScore sc = behaviour_.score(f);
  if (!sc.outlier()) return;
  ++stats_.behaviour_events;
  std::string fields;
  proto::JsonWriter w(fields);
  w.begin_object();
  w.field("id", 8201u);  // events::kBehaviourOutlier in the catalogue
  w.field("src_ip", format_ip_text(k.client)).field("dst_ip", format_ip_text(k.server));
  w.field("dst_port", static_cast<unsigned>(k.port)).field("proto", section_name(k.proto));
  w.field("window_start_ns", ps.window.start_ns()).field("window_s", static_cast<double>(s_.clustering.window_ns) / 1e9);
  w.field("distance", sc.distance).field("threshold", sc.threshold).field("cluster", sc.cluster);
  w.field("action", dp::action_name(s_.baseline.action));
  w.key("features").begin_array();
  for (int i = 0; i < 3; ++i) w.value(kFeatureNames[static_cast<std::size_t>(sc.top[i])]);
  w.end_array();
  w.key("deviation").begin_array();
  for (int i = 0; i < 3; ++i) w.value(sc.deviation[i]);
  w.end_array();
  w.end_object();
  fields = proto::json_members(fields);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.1f", sc.distance / sc.threshold);
  std::string detail = std::string("behaviour window ") + ratio + "x the learned threshold from cluster " +
                       std::to_string(sc.cluster) + "; most deviating:";
  for (int i = 0; i < 3; ++i) {
    char dev[48];
    std::snprintf(dev, sizeof dev, " %s %+.1f", kFeatureNames[static_cast<std::size_t>(sc.top[i])], sc.deviation[i]);
    detail += dev;
  }
  note("behaviour.outlier", "medium", detail, fields);
}

void AnomalyEngine::tick(std::uint64_t now_ns) {
  last_tick_ns_ = now_ns;
  const std::uint64_t w = s_.clustering.window_ns;
  for (auto& [k, ps] : pair_state_)
    if (ps.window_open && now_ns >= ps.window.start_ns() + w) close_window(k, ps);
  // Checkpoints go by the wall clock: a replay runs hours of capture time in seconds and must
  // not write the state hundreds of times.
  const auto wall = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count());
  if (last_save_ns_ == 0) last_save_ns_ = wall;
  if (mode_ == Mode::Learn && wall >= last_save_ns_ + s_.baseline.save_interval_ns) {
    last_save_ns_ = wall;
    std::string error;
    if (!save(error)) note("baseline.save_failed", "high", error);
  }
}

void AnomalyEngine::finish() {
  for (auto& [k, ps] : pair_state_)
    if (ps.window_open) close_window(k, ps);
  if (mode_ != Mode::Learn) return;
  train_behaviour();
  std::string error;
  if (!save(error)) note("baseline.save_failed", "high", error);
}

void AnomalyEngine::train_behaviour() {
  if (!behaviour_.train(training_, s_.clustering.max_k, s_.clustering.threshold_margin, s_.clustering.min_windows))
    behaviour_.training_windows = static_cast<std::uint32_t>(training_.size());
}

bool AnomalyEngine::learn_start(std::string& json, std::string& error) {
  (void)error;
  baseline_.clear();
  behaviour_.clear();
  training_.clear();
  if (!quarantined_.empty()) {
    quarantined_.clear();
    quarantine_changed();
  }
  training_seen_ = 0;
  for (auto& [k, ps] : pair_state_) ps.window_open = false;
  mode_ = Mode::Learn;
  // Learning here replaces a bundle's baseline: from now on the learned one is the local one.
  if (!from_bundle_.empty()) {
    from_bundle_.clear();
    ::unlink(local_path().c_str());
  }
  std::string err;
  if (!save(err)) note("baseline.save_failed", "high", err);
  note("baseline.learn_started", "info", "baseline learning started (previous baseline discarded)");
  json = show_json();
  return true;
}

bool AnomalyEngine::learn_stop(std::string& json, std::string& error) {
  if (mode_ != Mode::Learn) {
    error = std::string("not learning (mode is ") + mode_name(mode_) + ")";
    return false;
  }
  for (auto& [k, ps] : pair_state_)
    if (ps.window_open) close_window(k, ps);
  train_behaviour();
  mode_ = Mode::Off;
  std::string err;
  if (!save(err)) {
    error = "baseline learned but not saved: " + err;
    return false;
  }
  note("baseline.learn_stopped", "info",
       "baseline learning stopped: " + std::to_string(baseline_.pairs().size()) + " pairs, " +
           std::to_string(baseline_.requests()) + " requests, " + std::to_string(behaviour_.centroids_.size()) +
           " behaviour clusters");
  json = show_json();
  return true;
}

bool AnomalyEngine::enforce(std::string& json, std::string& error) {
  if (mode_ == Mode::Learn) {
    std::string ignored;
    if (!learn_stop(ignored, error)) return false;
  }
  if (baseline_.pairs().empty()) {
    error = "no baseline learned yet (run `fieldguardctl baseline learn start`, then `learn stop`)";
    return false;
  }
  mode_ = Mode::Enforce;
  for (auto& [k, ps] : pair_state_) ps.window_open = false;
  std::string err;
  if (!save(err)) note("baseline.save_failed", "high", err);
  note("baseline.enforcing", "info", "baseline enforced: " + std::to_string(baseline_.pairs().size()) + " pairs");
  json = show_json();
  return true;
}

std::string AnomalyEngine::show_json() const {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  w.field("mode", mode_name(mode_)).field("state_dir", s_.baseline.state_dir);
  if (!from_bundle_.empty()) w.field("from_bundle", from_bundle_);
  w.field("pairs", static_cast<std::uint64_t>(baseline_.pairs().size()));
  w.field("requests_learned", baseline_.requests());
  w.field("training_windows", static_cast<std::uint64_t>(training_.size()));
  w.field("clusters", static_cast<std::uint64_t>(behaviour_.centroids_.size()));
  w.key("silhouettes").begin_array();
  for (double s : behaviour_.silhouettes_) w.value(s);
  w.end_array();
  w.key("events").begin_object();
  w.field("baseline", stats_.baseline_events).field("baseline_suppressed", stats_.baseline_suppressed);
  w.field("rate", stats_.rate_events).field("behaviour", stats_.behaviour_events);
  w.end_object();
  w.key("quarantined").begin_array();
  for (const auto& [q, why] : quarantined_) {
    w.begin_object().field("client", format_ip_text(q.client)).field("server", format_ip_text(q.server));
    w.field("port", static_cast<unsigned>(q.port)).field("because", why.event).field("detail", why.detail);
    w.field("action", why.action).field("since_ns", why.since_ns).field("since", utc_text(why.since_ns)).end_object();
  }
  w.end_array();
  w.key("pair_list").begin_array();
  for (const auto& [k, p] : baseline_.pairs()) {
    w.begin_object();
    w.field("client", format_ip_text(k.client)).field("server", format_ip_text(k.server));
    w.field("port", static_cast<unsigned>(k.port)).field("proto", section_name(k.proto));
    w.field("requests", p.requests).field("max_rate", p.max_rate);
    w.field("functions", static_cast<std::uint64_t>(p.functions.size()));
    w.field("units", static_cast<std::uint64_t>(p.units.size()));
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace fg::anomaly
