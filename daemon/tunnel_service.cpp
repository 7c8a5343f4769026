#include "daemon/tunnel_service.hpp"

#include <cstdio>

#include "daemon/live_common.hpp"

namespace fg::daemon {

namespace {

using esp::spi_text;

// The SA list of a tunnel.install / tunnel.rekey request; diagnostics name "control".
bool request_sas(const YAML::Node& req, std::vector<esp::SaSpec>& specs, std::string& error) {
  const YAML::Node args = req["args"];
  if (!args || !args.IsMap() || !args["sas"]) {
    error = "expected args {\"sas\":[{\"spi\":...,\"direction\":\"in|out\",\"key\":\"0x...\"}]}";
    return false;
  }
  Diagnostics diag;
  YamlReader r("control", diag);
  if (!read_sa_list(r, args["sas"], "args.sas", specs) || !diag.empty()) {
    for (auto& s : specs) esp::wipe(s);
    error = diag.str();
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return false;
  }
  return true;
}

}  // namespace

std::uint64_t south_port_mask(const Config& cfg) {
  std::uint64_t mask = 0;
  for (const auto& [south, north] : pair_indices(cfg))
    if (south < 64) mask |= std::uint64_t{1} << south;
  return mask;
}

bool make_tunnel(const Config& cfg, dp::RcuDomain& rcu, std::uint32_t workers, std::uint64_t south_ports,
                 RecordWriter* writer, std::unique_ptr<dp::Tunnel>& out, std::string& error) {
  out.reset();
  if (!cfg.tunnel.enabled) return true;
  std::vector<esp::SaSpec> specs;
  if (!cfg.tunnel.sa_file.empty()) {
    Diagnostics diag;
    if (!read_sa_file(cfg.tunnel.sa_file, specs, diag)) {
      error = diag.str();
      return false;
    }
  }
  dp::TunnelSettings s = cfg.tunnel.settings;
  s.south_ports = south_ports;
  auto t = std::make_unique<dp::Tunnel>(s, rcu, workers);
  if (!specs.empty()) {
    dp::SaChange change;
    if (!t->install(std::move(specs), "file", change, error)) {
      error = cfg.tunnel.sa_file + ": " + error;
      return false;
    }
    if (writer != nullptr)
      writer->control_event({"tunnel", "tunnel.installed", "info", "SAs from " + cfg.tunnel.sa_file + ": " + change.summary,
                             "\"out_spi\":\"" + spi_text(change.out_spi) + "\""});
  }
  out = std::move(t);
  return true;
}

void register_tunnel_commands(ControlState& state, dp::Tunnel& tunnel, RecordWriter& writer,
                              std::function<std::uint64_t()> mono_ns) {
  state.commands["tunnel"] = [&tunnel](const YAML::Node&) { return ControlReply{true, tunnel.report_json(), {}}; };
  state.commands["tunnel.install"] = [&tunnel, &writer](const YAML::Node& req) {
    std::vector<esp::SaSpec> specs;
    std::string error;
    dp::SaChange change;
    if (!request_sas(req, specs, error) || !tunnel.install(std::move(specs), "control", change, error)) {
      writer.control_event({"tunnel", "tunnel.install_refused", "medium", error, {}});
      return ControlReply::fail(error);
    }
    writer.control_event({"tunnel", "tunnel.installed", "info", "SAs from the console: " + change.summary,
                          "\"out_spi\":\"" + spi_text(change.out_spi) + "\""});
    return ControlReply{true, tunnel.report_json(), {}};
  };
  state.commands["tunnel.rekey"] = [&tunnel, &writer, mono_ns](const YAML::Node& req) {
    std::vector<esp::SaSpec> specs;
    std::string error;
    std::uint64_t grace = tunnel.settings().rekey_grace_ns;
    if (const YAML::Node g = req["args"] ? req["args"]["grace"] : YAML::Node(); g && g.IsScalar()) {
      if (!parse_duration_ns(g.Scalar(), grace)) return ControlReply::fail("args.grace: expected a duration like 30s");
    }
    dp::SaChange change;
    if (!request_sas(req, specs, error) || !tunnel.rekey(std::move(specs), grace, mono_ns(), "control", change, error)) {
      writer.control_event({"tunnel", "tunnel.rekey_refused", "medium", error, {}});
      return ControlReply::fail(error);
    }
    writer.control_event({"tunnel", "tunnel.rekeyed", "info", change.summary,
                          "\"out_spi\":\"" + spi_text(change.out_spi) + "\",\"old_out_spi\":\"" +
                              spi_text(change.old_out_spi) + "\",\"grace_ms\":" + std::to_string(grace / 1'000'000ull)});
    return ControlReply{true, tunnel.report_json(), {}};
  };
}

bool apply_sa_file(dp::Tunnel& tunnel, const std::string& path, bool replace, std::uint64_t now_mono_ns,
                   std::string& summary, std::string& error) {
  std::vector<esp::SaSpec> specs;
  Diagnostics diag;
  if (!read_sa_file(path, specs, diag)) {
    error = diag.str();
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return false;
  }
  dp::SaChange change;
  const bool ok = replace ? tunnel.install(std::move(specs), "update", change, error)
                          : tunnel.rekey(std::move(specs), tunnel.settings().rekey_grace_ns, now_mono_ns, "update", change, error);
  if (!ok) {
    error = path + ": " + error;
    return false;
  }
  summary = (replace ? "SAs replaced: " : "rekeyed: ") + change.summary;
  return true;
}

void tunnel_tick(dp::Tunnel& tunnel, RecordWriter& writer, std::uint64_t now_mono_ns) {
  for (std::uint32_t spi : tunnel.tick(now_mono_ns))
    writer.control_event({"tunnel", "tunnel.sa_expired", "info", "inbound SA " + spi_text(spi) + " left after its grace period",
                          "\"spi\":\"" + spi_text(spi) + "\""});
}

}  // namespace fg::daemon
