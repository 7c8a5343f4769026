#include "daemon/identity/identity_runtime.hpp"

#include <sys/stat.h>

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

namespace {

std::timespec mtime_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return st.st_mtim;
}

}  // namespace

IdentityRuntime::IdentityRuntime(const IdentitySettings& s, rules::Inventory inventory, dp::RcuDomain& rcu,
                                 std::function<std::uint64_t()> dataplane_now_ns, std::uint64_t south_ports,
                                 std::uint32_t workers)
    : settings_(s), table_(rcu), now_(dataplane_now_ns) {
  authority_ = std::make_unique<IdentityAuthority>(s, std::move(inventory), table_, std::move(dataplane_now_ns));
  dp::IdentityStageConfig sc;
  sc.south_ports = south_ports;
  sc.report_interval_s = static_cast<std::uint32_t>(s.report_interval_ns / 1'000'000'000ull);
  for (std::uint32_t w = 0; w < workers; ++w) stages_.push_back(std::make_unique<dp::IdentityStage>(table_, sc));
}

IdentityRuntime::~IdentityRuntime() { stop(); }

void IdentityRuntime::stop() { service_.stop(); }

bool IdentityRuntime::start_service(std::string& error) {
  if (!settings_.service()) return true;
  crypto::IdentityServiceConfig c;
  c.listen = settings_.listen;
  c.port = settings_.port;
  c.ca_file = settings_.ca;
  c.crl_file = settings_.crl;
  c.cert_file = settings_.server_cert;
  c.key_file = settings_.server_key;
  if (!service_.start(c, [this](const crypto::AdmissionRequest& r) { return authority_->admit(r); }, error)) return false;
  if (!settings_.crl.empty()) {
    crl_mtime_ = mtime_of(settings_.crl);
    std::vector<std::string> serials;
    if (!crypto::read_crl_serials(settings_.crl, serials, error)) return false;
  }
  return true;
}

bool IdentityRuntime::reload_crl(std::string& error) {
  std::vector<std::string> serials;
  if (!service_.reload_crl(serials, error)) return false;
  crl_mtime_ = mtime_of(settings_.crl);
  authority_->revoke_serials(serials);
  return true;
}

bool IdentityRuntime::use_trust(const std::string& ca, const std::string& crl, std::string& error) {
  std::lock_guard lock(crl_mu_);
  if (!settings_.service()) return error = "the identity service is not running (no identity.ca)", false;
  std::vector<std::string> serials;
  if (!service_.reload_trust(ca, crl, serials, error)) return false;
  settings_.ca = ca;
  settings_.crl = crl;
  crl_mtime_ = crl.empty() ? std::timespec{} : mtime_of(crl);
  authority_->revoke_serials(serials);
  return true;
}

void IdentityRuntime::poll(RecordWriter& writer) {
  for (auto& s : stages_) s->findings().drain([&](const dp::IdentityObservation& o) { authority_->observe(o); });
  authority_->tick();
  // The CRL file is watched: a plant that publishes a new CRL revokes at once.
  const std::uint64_t now = now_();
  std::unique_lock crl_lock(crl_mu_);
  if (!settings_.crl.empty() && now - last_crl_check_ns_ > 1'000'000'000ull) {
    last_crl_check_ns_ = now;
    const std::timespec m = mtime_of(settings_.crl);
    if (m.tv_sec != crl_mtime_.tv_sec || m.tv_nsec != crl_mtime_.tv_nsec) {
      std::string error;
      ControlEvent e;
      e.event = "identity";
      if (reload_crl(error)) {
        e.name = "identity.crl_reloaded";
        e.detail = "CRL " + settings_.crl + " reloaded";
      } else {
        crl_mtime_ = m;  // one event per bad file, not one per second
        e.name = "identity.crl_rejected";
        e.severity = "high";
        e.detail = "CRL " + settings_.crl + " not reloaded, the previous one stays in force: " + error;
      }
      writer.control_event(e);
    }
  }
  crl_lock.unlock();
  for (const auto& e : authority_->take_events()) writer.control_event(e);
}

void IdentityRuntime::follow_rules(const RuleSetInfo& rules, RecordWriter& writer) {
  if (rules_version_ == 0) rules_version_ = rules.version;  // the set loaded at start
  if (rules.version == rules_version_) return;
  rules_version_ = rules.version;
  ControlEvent e;
  e.event = "identity";
  e.name = "identity.inventory_reloaded";
  // The rule manager's own copy of the set it installed: no second read of the files.
  const std::size_t n = rules.inventory->devices.size();
  authority_->set_inventory(*rules.inventory);
  if (rules.source == "acl" || rules.source == "monitor default")
    e.detail = "no rule file in force: the inventory is empty";
  else
    e.detail = "inventory of " + std::to_string(n) + " devices from " + rules.source;
  writer.control_event(e);
  for (const auto& ev : authority_->take_events()) writer.control_event(ev);
}

std::string IdentityRuntime::stats_json() const {
  dp::IdentityStats sum{};
  for (const auto& s : stages_) {
    const dp::IdentityStats& st = s->stats();
    sum.checked += st.checked;
    sum.dropped += st.dropped;
    sum.reports_lost += st.reports_lost;
    for (std::size_t i = 0; i < sum.findings.size(); ++i) sum.findings[i] += st.findings[i];
  }
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object();
  w.field("checked", sum.checked).field("dropped", sum.dropped);
  w.field("reports_lost", sum.reports_lost);
  for (std::size_t i = 0; i < sum.findings.size(); ++i) {
    const std::string_view name = dp::finding_name(static_cast<dp::IdentityFinding>(i));
    w.field(name.substr(name.find('.') + 1), sum.findings[i]);
  }
  w.end_object();
  return out;
}

void IdentityRuntime::register_commands(ControlState& state) {
  state.commands["devices"] = [this](const YAML::Node& req) -> ControlReply {
    const YAML::Node args = req["args"];
    const std::string op = args && args["op"] && args["op"].IsScalar() ? args["op"].Scalar() : "list";
    if (op == "list") {
      std::string d = authority_->devices_json();
      d.pop_back();  // add the stage counters to the object
      return {true, d + ",\"stage\":" + stats_json() + "}", {}};
    }
    if (op == "admitted" || op == "leases") return {true, authority_->leases_json(), {}};
    if (op == "revoke") {
      const std::string id = args["id"] && args["id"].IsScalar() ? args["id"].Scalar() : "";
      if (id.empty()) return ControlReply::fail("devices revoke needs a device id");
      if (!authority_->revoke(id, "fieldguardctl devices revoke")) return ControlReply::fail("device \"" + id + "\" holds no lease");
      return {true, "{\"revoked\":true}", {}};
    }
    if (op == "reload-crl") {
      std::string error;
      std::lock_guard lock(crl_mu_);
      if (!reload_crl(error)) return ControlReply::fail(error);
      return {true, "{\"reloaded\":true}", {}};
    }
    return ControlReply::fail("unknown devices operation \"" + op + "\" (expected list, admitted, leases, revoke or reload-crl)");
  };
}

}  // namespace fg::daemon
