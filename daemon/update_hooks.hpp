// The parts of an update bundle that go to services rather than to the rule set (tunnel keys,
// identity trust, anomaly baseline: docs/UPDATE.md), wired the same way in both live modes.
#pragma once

#include <cstdint>
#include <functional>

#include "daemon/anomaly_service.hpp"
#include "daemon/identity/identity_runtime.hpp"
#include "daemon/update/daemon_target.hpp"
#include "dataplane/tunnel/tunnel.hpp"

namespace fg::daemon {

// Sets the hooks for the services this daemon runs; `tunnel` and `identity` may be null (no
// such service: that hook stays unset, see DataplaneHooks). The hooks run on the update
// agent's thread.
void add_service_hooks(update::DataplaneHooks& hooks, dp::Tunnel* tunnel, IdentityRuntime* identity,
                       AnomalyService& anomalies, std::function<std::uint64_t()> mono_ns);

}  // namespace fg::daemon
