// fieldguardctl baseline learn start|stop | show | export FILE [--drop] | enforce | release [CLIENT SERVER PORT]
#include <cstdio>
#include <fstream>
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "protocols/common/json_writer.hpp"

namespace fg::ctl {

namespace {

constexpr const char* kUsageText =
    "usage: fieldguardctl baseline learn start|stop\n"
    "       fieldguardctl baseline show\n"
    "       fieldguardctl baseline export FILE|- [--drop]\n"
    "       fieldguardctl baseline enforce\n"
    "       fieldguardctl baseline release [CLIENT SERVER PORT]\n";

int usage() {
  std::cerr << kUsageText;
  return kUsage;
}

std::string scalar(const YAML::Node& n, const char* key) {
  return n[key] && n[key].IsScalar() ? n[key].Scalar() : "";
}

void print_summary(const YAML::Node& d) {
  std::cout << "baseline\n";
  for (const char* k : {"mode", "state_dir", "pairs", "requests_learned", "training_windows", "clusters"})
    std::cout << "  " << k << std::string(20 - std::string(k).size(), ' ') << scalar(d, k) << "\n";
  if (d["from_bundle"]) std::cout << "  from_bundle         " << scalar(d, "from_bundle") << "\n";
  if (d["events"]) print_key_values(d["events"], "events.");
  for (const auto& q : d["quarantined"])
    std::cout << "  quarantined         " << scalar(q, "client") << " -> " << scalar(q, "server") << ":"
              << scalar(q, "port") << " (" << scalar(q, "action") << " since " << scalar(q, "since") << ", "
              << scalar(q, "because") << ": " << scalar(q, "detail") << ")\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : d["pair_list"])
    rows.push_back({scalar(p, "client"), scalar(p, "server"), scalar(p, "port"), scalar(p, "proto"),
                    scalar(p, "requests"), scalar(p, "max_rate"), scalar(p, "functions"), scalar(p, "units")});
  if (rows.empty()) return;
  std::cout << "\n";
  print_table({"CLIENT", "SERVER", "PORT", "PROTO", "REQUESTS", "PEAK/S", "FUNCTIONS", "UNITS"}, rows);
}

// Sends `baseline` with these args and prints the summary the daemon answers with.
int call_and_show(const CtlContext& ctx, const std::string& args_json) {
  YAML::Node data;
  const int rc = call(ctx, "baseline", args_json, data);
  if (rc != kOk || ctx.json) return rc;
  print_summary(data);
  return kOk;
}

int simple(const CtlContext& ctx, const char* action) {
  return call_and_show(ctx, std::string("{\"action\":\"") + action + "\"}");
}

int export_to(const CtlContext& ctx, const std::string& file, bool drop) {
  YAML::Node data;
  CtlContext quiet = ctx;
  quiet.json = false;  // the answer carries the file; --json prints a short result instead
  const int rc = call(quiet, "baseline", std::string("{\"action\":\"export\",\"default_action\":\"") +
                                             (drop ? "drop" : "alert") + "\"}", data);
  if (rc != kOk) return rc;
  const std::string yaml = data["yaml"].as<std::string>();
  if (file == "-") {
    std::cout << yaml;
    return kOk;
  }
  // Written beside the target and renamed: a reader never sees half a rule file.
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << yaml;
    out.flush();
    if (!out) {
      std::cerr << "fieldguardctl: cannot write " << tmp << "\n";
      std::remove(tmp.c_str());
      return kCommandFailed;
    }
  }
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    std::cerr << "fieldguardctl: cannot rename " << tmp << " to " << file << "\n";
    std::remove(tmp.c_str());
    return kCommandFailed;
  }
  if (ctx.json) std::cout << "{\"file\":\"" << file << "\",\"pairs\":" << scalar(data, "pairs") << "}\n";
  else std::cout << "baseline of " << scalar(data, "pairs") << " pair(s) written to " << file << "\n";
  return kOk;
}

}  // namespace

int cmd_baseline(const CtlContext& ctx) {
  const auto& a = ctx.args;
  if (a.empty()) return usage();
  if (a[0] == "learn") {
    if (a.size() != 2) return usage();
    if (a[1] == "start") return simple(ctx, "learn_start");
    if (a[1] == "stop") return simple(ctx, "learn_stop");
    return usage();
  }
  if (a[0] == "show" && a.size() == 1) return simple(ctx, "show");
  if (a[0] == "enforce" && a.size() == 1) return simple(ctx, "enforce");
  if (a[0] == "release" && a.size() == 1) return simple(ctx, "release");
  if (a[0] == "release" && a.size() == 4) {
    // One pair, as `baseline show` lists it; the daemon checks the addresses and the port.
    std::string args;
    proto::JsonWriter w(args);
    w.begin_object().field("action", "release").field("client", a[1]).field("server", a[2]).field("port", a[3]);
    w.end_object();
    return call_and_show(ctx, args);
  }
  if (a[0] == "export") {
    std::string file;
    bool drop = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (a[i] == "--drop") drop = true;
      else if (file.empty()) file = a[i];
      else return usage();
    }
    if (file.empty()) return usage();
    return export_to(ctx, file, drop);
  }
  return usage();
}

}  // namespace fg::ctl
