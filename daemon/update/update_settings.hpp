// The `update:` section of the daemon config: where bundles live, which console keys are
// pinned, and how (and whether) the console is polled.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/config/yaml_reader.hpp"

namespace fg::update {

struct UpdateSettings {
  bool enabled = false;                          // an `update:` section is present
  std::string state_dir = "/var/lib/fieldguard"; // bundles/, current, previous, state.json
  std::string gateway_id;
  std::vector<std::string> groups;
  std::vector<std::string> keys;                 // pinned console public keys (PEM files)
  std::string url;                               // bundle URL (https://); empty: manual apply only
  std::string report_url;                        // outcome POSTed here (https://); empty: none
  std::string ca;                                // CA that the console's certificate must chain to
  std::string cert;                              // this gateway's client certificate (mutual TLS)
  std::string key;                               // and its private key
  std::uint64_t interval_ns = 300'000'000'000ull;    // between polls
  std::uint64_t jitter_ns = 30'000'000'000ull;       // + uniform [0, jitter) so gateways spread out
  std::uint64_t max_backoff_ns = 3'600'000'000'000ull;
  std::uint64_t timeout_ns = 60'000'000'000ull;      // one whole transfer
  std::uint64_t max_bundle_bytes = 16ull << 20;
  std::uint64_t health_window_ns = 5'000'000'000ull; // how long the health check watches
  bool health_requires_traffic = true;               // forwarding must go on if it was going on
};

// The wait before the next poll: the interval, doubled per consecutive failure up to
// max_backoff, plus `jitter_draw` (a uniform draw in [0, jitter)) so gateways spread out.
std::uint64_t poll_delay_ns(const UpdateSettings& s, std::uint32_t failures, std::uint64_t jitter_draw);

// "16MiB", "512KiB", "1GiB", "4096" → bytes. False on anything else.
bool parse_size_bytes(const std::string& text, std::uint64_t& out);

// Reads the section (every error FILE:LINE:COL). Relative paths are taken from the config
// file's folder.
void read_update_settings(daemon::YamlReader& r, const YAML::Node& n, UpdateSettings& out);

}  // namespace fg::update
