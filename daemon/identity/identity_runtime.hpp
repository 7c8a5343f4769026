// Device identity in a running daemon: the snapshot workers read, one identity stage per
// worker, the authority (leases, events) and the certificate identity service, plus the
// `devices` control command. The live modes create one after the dataplane is initialised
// and call poll() from their control thread.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/identity/identity_service.hpp"
#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"
#include "daemon/identity/identity_authority.hpp"
#include "daemon/identity/identity_settings.hpp"
#include "daemon/rules/rule_manager.hpp"
#include "dataplane/identity/identity_stage.hpp"
#include "dataplane/rcu/rcu_domain.hpp"

namespace fg::daemon {

class IdentityRuntime {
 public:
  // `south_ports`: bit i set when port index i is a field port. `dataplane_now_ns` is the
  // clock the workers pass to Pipeline::process (lease deadlines are set on it).
  IdentityRuntime(const IdentitySettings& s, rules::Inventory inventory, dp::RcuDomain& rcu,
                  std::function<std::uint64_t()> dataplane_now_ns, std::uint64_t south_ports, std::uint32_t workers);
  ~IdentityRuntime();

  // The stage worker w runs (attach with Pipeline::set_identity before workers start).
  [[nodiscard]] dp::IdentityStage& stage(std::uint32_t w) noexcept { return *stages_[w]; }
  // Starts the certificate identity service when the settings name a CA. False with error.
  bool start_service(std::string& error);
  // Control thread, a few times a second: findings to events, lease expiry, CRL file changes.
  void poll(RecordWriter& writer);
  // After a rule reload (a new RuleSetInfo::version) the inventory is read again from the
  // rule files in force and handed to the authority; call from the control loop.
  void follow_rules(const RuleSetInfo& rules, RecordWriter& writer);
  // Registers `devices` (list, admitted, leases, revoke, reload-crl).
  void register_commands(ControlState& state);
  void stop();
  // An update bundle's trust files (docs/UPDATE.md): the plant CA `ca` and the CRL `crl`
  // (empty: none) replace the ones in force when both load, and the leases of certificates
  // the CRL lists end at once; a bad file is refused and the old ones stay. From the update
  // agent's thread (crl_mu_ serialises it with the control loop's CRL watch and reload-crl).
  bool use_trust(const std::string& ca, const std::string& crl, std::string& error);

  [[nodiscard]] IdentityAuthority& authority() noexcept { return *authority_; }
  [[nodiscard]] std::uint16_t service_port() const noexcept { return service_.port(); }

 private:
  bool reload_crl(std::string& error);
  std::string stats_json() const;

  IdentitySettings settings_;
  dp::Snapshot<dp::IdentityTable> table_;
  std::unique_ptr<IdentityAuthority> authority_;
  std::vector<std::unique_ptr<dp::IdentityStage>> stages_;
  crypto::IdentityService service_;
  std::mutex crl_mu_;  // settings_.ca / crl, crl_mtime_ and the service's trust files
  std::timespec crl_mtime_{};
  std::uint64_t last_crl_check_ns_ = 0;
  std::function<std::uint64_t()> now_;
  std::uint64_t rules_version_ = 0;  // the rule set whose inventory is in force (0: the one at start)
};

}  // namespace fg::daemon
