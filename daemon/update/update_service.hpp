// The update agent and its target, as the daemon's live modes start them.
#pragma once

#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/update/daemon_target.hpp"
#include "daemon/update/update_agent.hpp"

namespace fg::update {

struct UpdateService {
  UpdateService(const daemon::Config& cfg, DataplaneHooks hooks) : target(cfg, std::move(hooks)), agent(cfg.update, target) {}
  DaemonUpdateTarget target;
  UpdateAgent agent;  // declared after the target: stopped (destroyed) before it
};

// Starts the agent and registers its control commands; null with `error` set on failure
// (unreadable pinned key, state directory not writable).
inline std::unique_ptr<UpdateService> start_update_service(const daemon::Config& cfg, DataplaneHooks hooks,
                                                           daemon::ControlState& state, std::string& error) {
  auto s = std::make_unique<UpdateService>(cfg, std::move(hooks));
  if (!s->agent.start(error)) return nullptr;
  s->agent.register_commands(state);
  return s;
}

}  // namespace fg::update
