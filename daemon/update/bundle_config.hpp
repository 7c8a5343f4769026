// The daemon config a bundle yields: the daemon's own config with the keys the bundle may
// replace (the hot-reloadable policy) taken from the bundle's config fragment.
#pragma once

#include <string>

#include "daemon/config/config.hpp"
#include "daemon/config/diagnostics.hpp"
#include "daemon/update/bundle_store.hpp"

namespace fg::update {

// Top-level keys a bundle's `config` fragment may hold. Everything else (ports, EAL, logs,
// control, update itself) stays under the local operator's control: a console cannot move
// the gateway's ports or lock itself out of future updates.
inline constexpr const char* kBundleConfigKeys[] = {"acl"};

// `base` plus the bundle; every error names the bundle file FILE:LINE:COL. `bundle` null
// yields `base` unchanged.
bool compose_config(const daemon::Config& base, const InstalledBundle* bundle, daemon::Config& out,
                    daemon::Diagnostics& diag);

// At start: replaces `cfg` with what the installed `current` bundle yields (or `previous`
// when current is damaged or invalid), keeping the config as written in cfg.update_base.
// Returns a line for the log saying which bundle is in force, or why none is.
std::string use_installed_bundle(daemon::Config& cfg);

}  // namespace fg::update
