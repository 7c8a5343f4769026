#include "daemon/update_hooks.hpp"

#include "daemon/tunnel_service.hpp"

namespace fg::daemon {

void add_service_hooks(update::DataplaneHooks& hooks, dp::Tunnel* tunnel, IdentityRuntime* identity,
                       AnomalyService& anomalies, std::function<std::uint64_t()> mono_ns) {
  if (tunnel != nullptr)
    hooks.tunnel_keys = [tunnel, mono_ns](const std::string& file, bool replace, std::string& summary, std::string& err) {
      return apply_sa_file(*tunnel, file, replace, mono_ns(), summary, err);
    };
  if (identity != nullptr)
    hooks.identity_trust = [identity](const std::string& ca, const std::string& crl, std::string& err) {
      return identity->use_trust(ca, crl, err);
    };
  // Read on the agent's thread, swapped into the engine on the control thread.
  hooks.baseline = [&anomalies](const std::string& file, std::string& err) { return anomalies.stage_baseline(file, err); };
}

}  // namespace fg::daemon
