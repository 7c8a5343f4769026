// The daemon's side of the ESP tunnel: builds it from the config and the SA key file, and
// serves `tunnel`, `tunnel.install` and `tunnel.rekey` on the control socket, logging
// tunnel.* control events (never keys).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/export/record_writer.hpp"
#include "dataplane/tunnel/tunnel.hpp"

namespace fg::daemon {

// Null when the config has no `tunnel:`. False (error set, FILE:LINE:COL diagnostics for the
// key file) when the tunnel cannot be built.
bool make_tunnel(const Config& cfg, dp::RcuDomain& rcu, std::uint32_t workers, std::uint64_t south_ports,
                 RecordWriter* writer, std::unique_ptr<dp::Tunnel>& out, std::string& error);

// The south side of each configured pair as a port bit mask (bit i = Config::ports[i]).
std::uint64_t south_port_mask(const Config& cfg);

// Registers the tunnel commands; `mono_ns` is the clock grace periods are measured on.
void register_tunnel_commands(ControlState& state, dp::Tunnel& tunnel, RecordWriter& writer,
                              std::function<std::uint64_t()> mono_ns);

// Control-loop housekeeping: expires inbound SAs past their grace, frees old tables.
void tunnel_tick(dp::Tunnel& tunnel, RecordWriter& writer, std::uint64_t now_mono_ns);

}  // namespace fg::daemon
