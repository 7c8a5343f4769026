// The rule set in force: loads, validates and compiles rule files off the hot path and swaps
// the compiled set in for the workers through Snapshot<CompiledRules> (RCU). A bad file is
// refused with its diagnostics and the running set stays. Called by the control socket
// (`rules reload`), SIGHUP, and the update agent.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/config/diagnostics.hpp"
#include "daemon/control/control_api.hpp"
#include "dataplane/rcu/snapshot.hpp"
#include "rules/compiled/compiled_rules.hpp"
#include "rules/compiled/rule_names.hpp"
#include "rules/load/rule_loader.hpp"

namespace fg::daemon {

class RecordWriter;

// Settings that ride along with a rule file (its `anomaly:` sections, issue 5). A reload
// applies them and the rules together or neither: prepare() reads and checks them before the
// rules are installed (false refuses the reload), commit() puts them in force once the rules
// are. Both are called under the manager's lock, from the reloading thread.
class RuleFileSettings {
 public:
  virtual ~RuleFileSettings() = default;
  virtual bool prepare(const std::vector<rules::LoadedRules::AnomalySection>& sections, Diagnostics& diag) = 0;
  virtual void commit() = 0;
};

struct RuleSetInfo {
  std::uint64_t version = 0;      // 1 for the set loaded at start, +1 per successful reload
  std::string hash;               // of the rule files' names and contents
  std::string source;             // the rule file or directory, or "acl" / "monitor default"
  std::size_t rules = 0;
  std::string default_action;
  std::string loaded_at;          // UTC, ISO 8601
  std::uint64_t reloads = 0;      // successful reloads
  std::uint64_t failed_reloads = 0;
  std::string last_error;         // diagnostics of the last refused reload
  // The devices of the set in force (empty for `acl:` and the monitor default): the identity
  // stage follows them, from the same load as the rules, so the two never disagree.
  std::shared_ptr<const rules::Inventory> inventory = std::make_shared<const rules::Inventory>();
};

class RuleManager {
 public:
  // `names` outlives the manager: the record writer resolves rule names through it.
  RuleManager(const Config& cfg, dp::RcuDomain& rcu, rules::RuleNames& names);

  // The set at start: cfg.rules_path, else the `acl:` section compiled into the same engine,
  // else the monitor default (allow everything). False with diagnostics.
  bool start(Diagnostics& diag);

  // Loads, validates and compiles `path` ("" = the rule file in force) and makes it the set
  // the workers use. On any error nothing changes and `diag` says why. Thread-safe.
  bool reload_rules(const std::string& path, Diagnostics& diag);

  // Makes the `acl:` section of a config the set in force (compiled into the same engine), as
  // the update agent does for a bundle whose policy is an ACL. Thread-safe.
  bool reload_acl(const rules::Acl& acl, Diagnostics& diag);

  // Who takes the rule files' `anomaly:` sections on reload (null: nobody, they are ignored).
  void set_settings_hook(RuleFileSettings* hook) {
    std::lock_guard lock(mu_);
    hook_ = hook;
  }

  // Where workers read the set in force (Pipeline::set_rules_source).
  [[nodiscard]] const std::atomic<const rules::CompiledRules*>* source() const noexcept { return &snapshot_.slot(); }
  // Frees replaced sets no worker can still hold; call from the control loop.
  void reclaim();
  [[nodiscard]] RuleSetInfo info() const;
  [[nodiscard]] const rules::RuleNames& names() const noexcept { return names_; }
  // The anomaly engine's `anomaly:` settings of the set in force (issue 5 reads them).
  [[nodiscard]] std::vector<rules::LoadedRules::AnomalySection> anomaly_settings() const;

  // rules.show and rules.reload on the control socket (docs/CONTROL.md); reloads are reported
  // to `events` (control-plane events) when given. Handlers run on the control thread.
  void register_commands(ControlState& state, RecordWriter* events = nullptr);
  // The rules part of `status`.
  void fill_status(StatusInfo& s) const;

 private:
  bool install(const rules::RuleSet& set, const std::string& source, Diagnostics& diag);

  Config cfg_;
  rules::RuleNames& names_;
  mutable std::mutex mu_;  // serialises reloads and reclaim (control socket, SIGHUP, update agent)
  dp::Snapshot<rules::CompiledRules> snapshot_;
  RuleSetInfo info_;
  std::string path_;       // rule file in force; "" when the set came from acl: or the default
  std::vector<rules::LoadedRules::AnomalySection> anomaly_;
  RuleFileSettings* hook_ = nullptr;
};

// SIGHUP: reloads the rule file in force; the outcome goes to stderr and the event log.
void reload_on_hup(RuleManager& rules, RecordWriter& writer, bool quiet);

// A RuleSetInfo as a JSON object (rules.show answer, and the rules part of status).
std::string rule_info_json(const RuleSetInfo& info);

}  // namespace fg::daemon
