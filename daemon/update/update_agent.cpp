#include "daemon/update/update_agent.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "protocols/common/json_writer.hpp"

namespace fg::update {

namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

const char* severity_of(Refusal r) {
  switch (r) {
    case Refusal::UnknownKey:
    case Refusal::BadSignature:
    case Refusal::HashMismatch:
    case Refusal::OlderVersion:
    case Refusal::UntrustedServer:
      return "high";  // someone may be forging or replaying updates
    default:
      return "medium";
  }
}

}  // namespace

UpdateAgent::UpdateAgent(UpdateSettings settings, UpdateTarget& target)
    : settings_(std::move(settings)), target_(target), store_(settings_.state_dir), rng_(std::random_device{}()) {
  tls_ = {settings_.ca, settings_.cert, settings_.key, settings_.timeout_ns};
}

UpdateAgent::~UpdateAgent() { stop(); }

bool UpdateAgent::start(std::string& error) {
  for (const auto& path : settings_.keys) {
    PublicKey k{};
    if (!load_public_pem(path, k, error)) return false;
    pinned_.push_back(k);
  }
  if (!store_.open(error)) return false;
  if (!store_.load_state(state_, error)) return false;
  std::string ignored;
  const auto cur = store_.current(ignored);
  const auto prev = store_.previous(ignored);
  if (state_.trial_version != 0) {
    // use_installed_bundle() put the previous bundle back at start (the trial of this one
    // was cut short by a restart); the version stays seen: the console publishes a newer one.
    UpdateOutcome o{0, "start", "rolled_back", "interrupted",
                    "the health check of bundle " + std::to_string(state_.trial_version) +
                        " was cut short by a restart; now running " +
                        (cur ? "bundle " + std::to_string(cur->version) : std::string("the config as written")),
                    state_.trial_version, unix_now()};
    event("update.rolled_back", "high", o);
    {
      std::lock_guard lock(mu_);
      last_ = o;
    }
    state_.trial_version = 0;
    if (!store_.save_state(state_, error)) return false;
  }
  {
    std::lock_guard lock(mu_);
    current_version_ = cur ? cur->version : 0;
    previous_version_ = prev ? prev->version : 0;
    running_ = target_.describe();
  }
  refresh_trust_view();
  thread_ = std::thread([this] { run(); });
  return true;
}

void UpdateAgent::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TrustState UpdateAgent::trust() const {
  TrustState t;
  auto revoked = [&](const PublicKey& k) {
    return std::find(state_.revoked_keys.begin(), state_.revoked_keys.end(), key_id(k)) != state_.revoked_keys.end();
  };
  for (const auto* list : {&pinned_, &state_.added_keys})
    for (const auto& k : *list)
      if (!revoked(k)) t.keys.push_back(k);
  std::string ignored;
  const auto cur = store_.current(ignored);
  t.highest_version = std::max(state_.highest_version, cur ? cur->version : 0);
  return t;
}

void UpdateAgent::refresh_trust_view() {
  const TrustState t = trust();
  std::vector<std::string> ids;
  for (const auto& k : t.keys) ids.push_back(to_hex(key_id(k)));
  std::lock_guard lock(mu_);
  highest_shown_ = t.highest_version;
  key_ids_ = std::move(ids);
}

std::uint64_t UpdateAgent::next_delay_ns() {
  // Exponential backoff while the console fails or sends what we refuse, capped, jittered.
  return poll_delay_ns(settings_, failures_, rng_());
}

void UpdateAgent::run() {
  using Clock = std::chrono::steady_clock;
  // The first poll comes after a random delay up to update.jitter (at least 1 s), so that
  // gateways restarted together (power returns to a plant) do not all poll at once.
  auto next_poll = Clock::now() + std::chrono::nanoseconds(
      std::uniform_int_distribution<std::uint64_t>(0, std::max<std::uint64_t>(settings_.jitter_ns, 1'000'000'000ull))(rng_));
  std::unique_lock lock(mu_);
  while (!stop_) {
    const bool polling = !settings_.url.empty();
    next_check_ = polling ? unix_now() + std::chrono::duration_cast<std::chrono::seconds>(next_poll - Clock::now()).count() : 0;
    if (polling) cv_.wait_until(lock, next_poll, [&] { return stop_ || !requests_.empty(); });
    else cv_.wait(lock, [&] { return stop_ || !requests_.empty(); });
    if (stop_) break;
    Request req{Op::CheckNow, {}, 0};
    if (!requests_.empty()) {
      req = requests_.front();
      requests_.pop_front();
    } else if (Clock::now() >= next_poll) {
      req.attempt = next_attempt_++;
    } else {
      continue;
    }
    busy_attempt_ = req.attempt;
    lock.unlock();
    switch (req.op) {
      case Op::CheckNow:
        poll_console();
        next_poll = Clock::now() + std::chrono::nanoseconds(next_delay_ns());
        break;
      case Op::ApplyFile: {
        std::vector<std::uint8_t> bytes;
        std::string error;
        std::error_code ec;
        const std::uintmax_t size = std::filesystem::file_size(req.path, ec);
        if (!ec && size > settings_.max_bundle_bytes) {
          UpdateOutcome o{0, "apply", "refused", refusal_name(Refusal::Oversize),
                          req.path + ": " + std::to_string(size) + " bytes exceeds update.max_bundle_size", 0, 0};
          event("update.refused", severity_of(Refusal::Oversize), o);
          finish(o);
        } else if (!read_whole_file(req.path, bytes, settings_.max_bundle_bytes, error)) {
          finish({0, "apply", "failed", "unreadable", error, 0, 0});
        } else {
          update_from(bytes, "apply");
        }
        break;
      }
      case Op::Rollback:
        rollback("rollback", "operator", "requested with fieldguardctl update rollback");
        break;
    }
    refresh_trust_view();
    lock.lock();
    busy_attempt_ = 0;
  }
}

void UpdateAgent::poll_console() {
  std::vector<std::uint8_t> body;
  const FetchResult r = https_get(settings_.url, tls_, settings_.max_bundle_bytes, etag_, body);
  {
    std::lock_guard lock(mu_);
    last_check_ = unix_now();
  }
  UpdateOutcome o{0, "poll", "", "", r.error, 0, 0};
  switch (r.status) {
    case FetchStatus::NotModified:
      failures_ = 0;
      o.outcome = "not_modified";
      finish(o);
      return;
    case FetchStatus::TooLarge:
      ++failures_;
      o.outcome = "refused";
      o.reason = refusal_name(Refusal::Oversize);
      o.detail = r.error + " (update.max_bundle_size " + std::to_string(settings_.max_bundle_bytes) + " bytes)";
      event("update.refused", severity_of(Refusal::Oversize), o);
      finish(o);
      return;
    case FetchStatus::Untrusted:
      ++failures_;
      o.outcome = "refused";
      o.reason = refusal_name(Refusal::UntrustedServer);
      event("update.refused", severity_of(Refusal::UntrustedServer), o);
      finish(o);
      return;
    case FetchStatus::Failed:
      ++failures_;
      o.outcome = "failed";
      o.reason = refusal_name(Refusal::DownloadFailed);
      event("update.failed", "low", o);
      finish(o);
      return;
    case FetchStatus::Ok:
      break;
  }
  // Without ETags (or after a restart) the same bundle comes back: judge it once.
  const Digest d = sha256(body);
  if (d == last_seen_) {
    failures_ = 0;
    o.outcome = "not_modified";
    finish(o);
    return;
  }
  last_seen_ = d;
  etag_ = r.etag;
  update_from(body, "poll");
}

void UpdateAgent::update_from(const std::vector<std::uint8_t>& bytes, const std::string& operation) {
  UpdateOutcome o{0, operation, "refused", "", "", 0, 0};
  auto refuse = [&](Refusal why, std::string detail) {
    if (operation == "poll") ++failures_;
    o.reason = refusal_name(why);
    o.detail = std::move(detail);
    while (!o.detail.empty() && (o.detail.back() == '\n' || o.detail.back() == ' ')) o.detail.pop_back();
    event("update.refused", severity_of(why), o);
    finish(o);
  };
  VerifiedBundle vb;
  const VerifyResult vr = verify_bundle(bytes, trust(), {settings_.gateway_id, settings_.groups}, unix_now(),
                                        settings_.max_bundle_bytes, vb);
  if (!vr.ok()) return refuse(vr.refusal, vr.detail);
  o.version = vb.manifest.version;

  StoreState next_state = state_;
  next_state.highest_version = std::max(next_state.highest_version, vb.manifest.version);
  for (const auto& k : vb.manifest.add_keys)
    if (std::find(next_state.added_keys.begin(), next_state.added_keys.end(), k) == next_state.added_keys.end())
      next_state.added_keys.push_back(k);
  for (const auto& id : vb.manifest.revoke_keys) next_state.revoked_keys.push_back(id);
  {
    StoreState saved = state_;
    state_ = next_state;
    const bool none_left = trust().keys.empty();
    state_ = saved;
    if (none_left) return refuse(Refusal::BadManifest, "the manifest would revoke every trusted console key");
  }

  InstalledBundle ib;
  std::string error;
  if (!store_.install(vb, ib, error)) return refuse(Refusal::StoreFailed, error);
  std::string why;
  if (!target_.validate(&ib, why)) {
    // A signed but broken bundle is not retried: the console must publish a higher version.
    state_.highest_version = next_state.highest_version;
    if (!store_.save_state(state_, error)) std::cerr << "fieldguardd: update: " << error << "\n";
    store_.prune();
    return refuse(Refusal::InvalidContent, why);
  }
  // From here the version counts as seen and the key changes hold, whatever happens next;
  // until the health check passes the bundle is on trial (a restart meanwhile reverts it).
  next_state.trial_version = ib.version;
  if (!store_.save_state(next_state, error)) return refuse(Refusal::StoreFailed, error);
  state_ = next_state;
  if (!store_.activate(ib.version, error)) return refuse(Refusal::StoreFailed, error);
  {
    std::lock_guard lock(mu_);
    previous_version_ = current_version_;
    current_version_ = ib.version;
  }

  const HealthSample before = target_.sample();
  if (!target_.apply(&ib, false, why)) return rollback(operation, "apply_failed", why);
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::nanoseconds(settings_.health_window_ns), [&] { return stop_; });
    if (stop_) return;  // shutting down: the bundle stays current, judged again at next start
  }
  if (!target_.healthy(before, settings_.health_requires_traffic, why))
    return rollback(operation, refusal_name(Refusal::HealthCheckFailed), why);
  failures_ = 0;
  state_.trial_version = 0;
  if (!store_.save_state(state_, error)) std::cerr << "fieldguardd: update: " << error << "\n";
  store_.prune();
  o.outcome = "applied";
  o.detail = "bundle " + std::to_string(ib.version) + " in force (" + why + ")";
  {
    std::lock_guard lock(mu_);
    running_ = target_.describe();
  }
  event("update.applied", "info", o);
  finish(o);
}

void UpdateAgent::rollback(const std::string& operation, const std::string& reason, const std::string& detail) {
  UpdateOutcome o{0, operation, "rolled_back", reason, detail, 0, 0};
  std::string error;
  {
    const auto cur = store_.current(error);
    o.version = cur ? cur->version : 0;
  }
  if (!store_.revert(error)) {
    o.outcome = "failed";
    o.detail = error;
    finish(o);
    return;
  }
  if (state_.trial_version != 0) {
    state_.trial_version = 0;
    if (!store_.save_state(state_, error)) std::cerr << "fieldguardd: update: " << error << "\n";
  }
  error.clear();
  const auto now_current = store_.current(error);
  std::string why;
  const bool ok = target_.apply(now_current ? &*now_current : nullptr, true, why);
  {
    std::lock_guard lock(mu_);
    current_version_ = now_current ? now_current->version : 0;
    previous_version_ = 0;
    running_ = target_.describe();
  }
  o.detail += "; now running " + (now_current ? "bundle " + std::to_string(now_current->version) : std::string("the config as written"));
  if (!ok) o.detail += "; re-applying it failed too: " + why;
  event("update.rolled_back", reason == "operator" ? "medium" : "high", o);
  finish(o);
}

void UpdateAgent::event(const std::string& name, const std::string& severity, const UpdateOutcome& o) {
  std::string fields;
  proto::JsonWriter w(fields);
  w.begin_object().field("operation", o.operation).field("outcome", o.outcome);
  if (!o.reason.empty()) w.field("reason", o.reason);
  if (o.version) w.field("version", o.version);
  w.field("gateway_id", settings_.gateway_id).end_object();
  std::lock_guard lock(mu_);
  events_.push_back({"update", name, severity, o.detail, proto::json_members(fields)});
}

void UpdateAgent::finish(UpdateOutcome o) {
  o.time = unix_now();
  {
    std::lock_guard lock(mu_);
    o.attempt = busy_attempt_;
    last_ = o;
  }
  if (settings_.report_url.empty() || o.outcome == "not_modified") return;
  std::string json;
  proto::JsonWriter w(json);
  w.begin_object().field("gateway_id", settings_.gateway_id).field("operation", o.operation).field("outcome", o.outcome);
  w.field("reason", o.reason).field("detail", o.detail).field("version", o.version).field("time", format_utc(o.time));
  w.end_object();
  const FetchResult r = https_post_json(settings_.report_url, tls_, json);
  if (r.status != FetchStatus::Ok) {
    std::lock_guard lock(mu_);
    ++reports_failed_;
  }
}

void UpdateAgent::drain_events(daemon::RecordWriter& writer) {
  std::deque<daemon::ControlEvent> out;
  {
    std::lock_guard lock(mu_);
    if (events_.empty()) return;
    out.swap(events_);
  }
  for (const auto& e : out) writer.control_event(e);
}

std::uint64_t UpdateAgent::enqueue(Op op, std::string path) {
  std::uint64_t attempt;
  {
    std::lock_guard lock(mu_);
    attempt = next_attempt_++;
    requests_.push_back({op, std::move(path), attempt});
  }
  cv_.notify_all();
  return attempt;
}

daemon::ControlReply UpdateAgent::status_reply() {
  std::lock_guard lock(mu_);
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object().field("gateway_id", settings_.gateway_id).field("state_dir", settings_.state_dir);
  w.field("url", settings_.url).field("current_version", current_version_).field("previous_version", previous_version_);
  w.field("highest_version", highest_shown_).field("running", running_);
  w.field("busy", busy_attempt_ != 0 || !requests_.empty()).field("queued", static_cast<std::uint64_t>(requests_.size()));
  w.field("next_attempt", next_attempt_);
  w.field("last_check", last_check_ ? format_utc(last_check_) : std::string());
  w.field("next_check", next_check_ ? format_utc(next_check_) : std::string());
  w.field("reports_failed", reports_failed_);
  w.key("last").begin_object().field("attempt", last_.attempt).field("operation", last_.operation);
  w.field("outcome", last_.outcome).field("reason", last_.reason).field("detail", last_.detail);
  w.field("version", last_.version).field("time", last_.time ? format_utc(last_.time) : std::string()).end_object();
  w.key("keys").begin_array();
  for (const auto& id : key_ids_) w.value(id);
  w.end_array().end_object();
  return {true, out, {}};
}

void UpdateAgent::register_commands(daemon::ControlState& state) {
  state.commands["update.status"] = [this](const YAML::Node&) { return status_reply(); };
  state.commands["update.check_now"] = [this](const YAML::Node&) {
    if (settings_.url.empty())
      return daemon::ControlReply::fail("no update.url in the config: this gateway takes bundles with `fieldguardctl update apply FILE`");
    return daemon::ControlReply{true, "{\"attempt\":" + std::to_string(enqueue(Op::CheckNow, {})) + "}", {}};
  };
  state.commands["update.apply"] = [this](const YAML::Node& req) {
    const YAML::Node file = req["args"]["file"];
    if (!file || !file.IsScalar() || file.Scalar().empty() || file.Scalar()[0] != '/')
      return daemon::ControlReply::fail("update.apply needs args.file, an absolute path the daemon can read");
    return daemon::ControlReply{true, "{\"attempt\":" + std::to_string(enqueue(Op::ApplyFile, file.Scalar())) + "}", {}};
  };
  state.commands["update.rollback"] = [this](const YAML::Node&) {
    return daemon::ControlReply{true, "{\"attempt\":" + std::to_string(enqueue(Op::Rollback, {})) + "}", {}};
  };
}

}  // namespace fg::update
