// fieldguardctl tunnel: the ESP tunnel's SAs and counters; `tunnel rekey FILE [--grace D]` and
// `tunnel install FILE` send an SA key file's SAs to the daemon (what the update agent or the
// console calls through the same control commands).
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"

namespace fg::ctl {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;  // no control characters in SA fields
    out += c;
  }
  return out + "\"";
}

std::string when(const YAML::Node& unix_ns) {
  if (!unix_ns || !unix_ns.IsScalar()) return "-";
  const auto ns = unix_ns.as<unsigned long long>(0);
  if (ns == 0) return "-";
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000ull);
  char b[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

int show(const CtlContext& ctx) {
  YAML::Node data;
  const int rc = call(ctx, "tunnel", "", data);
  if (rc != kOk || ctx.json) return rc;
  std::cout << "tunnel " << data["local"].Scalar() << " -> " << data["remote"].Scalar() << " via "
            << data["next_hop"].Scalar() << " ("
            << (data["next_hop_mac"].IsNull() ? std::string("MAC unresolved") : data["next_hop_mac"].Scalar()) << ")\n";
  std::cout << "  rekeys " << data["rekeys"].Scalar() << ", last " << when(data["last_rekey_unix_ns"]) << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& sa : data["sas"]) {
    const YAML::Node d = sa["drops"];
    rows.push_back({sa["spi"].Scalar(), sa["direction"].Scalar(), sa["state"].Scalar(), sa["packets"].Scalar(),
                    sa["bytes"].Scalar(), d["auth"].Scalar(), d["replay"].Scalar(), d["out_of_window"].Scalar(),
                    d["bad_padding"].Scalar(), d["bad_next_header"].Scalar(), when(sa["created_unix_ns"])});
  }
  print_table({"SPI", "DIR", "STATE", "PACKETS", "BYTES", "AUTH", "REPLAY", "WINDOW", "PADDING", "NEXTHDR", "CREATED"}, rows);
  std::cout << "\n";
  print_key_values(data["counters"]);
  return kOk;
}

// Reads an SA key file (refusing one others may read, as the daemon does) into the JSON
// `sas` list of tunnel.install / tunnel.rekey.
bool sas_json(const std::string& path, std::string& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::cerr << "fieldguardctl: " << path << ": cannot read\n";
    return false;
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    std::cerr << "fieldguardctl: " << path << ": holds keys: group and others must have no access (chmod 600)\n";
    return false;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    std::cerr << "fieldguardctl: " << path << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg << "\n";
    return false;
  }
  if (!root.IsMap() || !root["sas"] || !root["sas"].IsSequence()) {
    std::cerr << "fieldguardctl: " << path << ": expected a mapping with a list \"sas\"\n";
    return false;
  }
  // The daemon validates every field; here each scalar is passed on as a string.
  out = "[";
  bool first = true;
  for (const auto& sa : root["sas"]) {
    if (!sa.IsMap()) {
      std::cerr << "fieldguardctl: " << path << ":" << sa.Mark().line + 1 << ": expected {spi, direction, key, esn}\n";
      return false;
    }
    out += first ? "{" : ",{";
    first = false;
    bool f = true;
    for (const auto& kv : sa) {
      if (!kv.second.IsScalar()) continue;
      if (!f) out += ",";
      f = false;
      const std::string k = kv.first.as<std::string>();
      const std::string v = kv.second.Scalar();
      out += json_string(k) + ":" + (k == "esn" && (v == "true" || v == "false") ? v : json_string(v));
    }
    out += "}";
  }
  out += "]";
  return true;
}

int change(const CtlContext& ctx, const std::string& what) {
  std::string file, grace;
  for (std::size_t i = 1; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "--grace" && i + 1 < ctx.args.size()) grace = ctx.args[++i];
    else if (file.empty()) file = ctx.args[i];
    else {
      std::cerr << "fieldguardctl: tunnel " << what << ": unexpected \"" << ctx.args[i] << "\"\n";
      return kUsage;
    }
  }
  if (file.empty()) {
    std::cerr << "usage: fieldguardctl tunnel " << what << " SA_FILE" << (what == "rekey" ? " [--grace 30s]" : "") << "\n";
    return kUsage;
  }
  std::string sas;
  if (!sas_json(file, sas)) return kCommandFailed;
  std::string args = "{\"sas\":" + sas;
  if (!grace.empty()) args += ",\"grace\":" + json_string(grace);
  args += "}";
  YAML::Node data;
  const int rc = call(ctx, "tunnel." + what, args, data);
  if (rc == kOk && !ctx.json) std::cout << "tunnel " << what << ": ok, " << data["sas"].size() << " SAs in force\n";
  return rc;
}

}  // namespace

int cmd_tunnel(const CtlContext& ctx) {
  if (ctx.args.empty()) return show(ctx);
  if (ctx.args[0] == "rekey" || ctx.args[0] == "install") return change(ctx, ctx.args[0]);
  std::cerr << "usage: fieldguardctl tunnel [rekey SA_FILE [--grace 30s] | install SA_FILE]\n";
  return kUsage;
}

}  // namespace fg::ctl
