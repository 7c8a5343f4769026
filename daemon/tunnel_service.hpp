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

// Puts the SA key file `path` in force (an update bundle's tunnel_keys, docs/UPDATE.md):
// read with the key file's reader (permission check included), then a rekey — the new
// outbound SA at once, the inbound SAs in force kept for the tunnel's rekey_grace — or, with
// `replace` (a rollback to the previous bundle's keys), an install that replaces every SA.
// `summary` says what changed (SPIs, never keys). Any thread: Tunnel serialises its control.
bool apply_sa_file(dp::Tunnel& tunnel, const std::string& path, bool replace, std::uint64_t now_mono_ns,
                   std::string& summary, std::string& error);

// Control-loop housekeeping: expires inbound SAs past their grace, frees old tables.
void tunnel_tick(dp::Tunnel& tunnel, RecordWriter& writer, std::uint64_t now_mono_ns);

}  // namespace fg::daemon
