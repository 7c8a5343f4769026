// fieldguardctl events tail [-n N] [-f] | audit tail [-n N] [-f] | audit verify --key PUB FILE...
// | audit level [all|changes|flagged]
// Tails come from the daemon (its last 1000 records per stream; -f follows); verify reads
// the files offline and needs no daemon.
#include <unistd.h>

#include <iostream>
#include <thread>

#include "daemon/ctl/cmd_args.hpp"
#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"
#include "daemon/export/chain_verify.hpp"
#include "daemon/export/hash_chain.hpp"
#include "daemon/export/seal_key.hpp"
#include "protocols/common/json_writer.hpp"

namespace po = boost::program_options;

namespace fg::ctl {

namespace {

// The top-level objects of the array that follows `"records":[` in a reply, as raw text:
// records go out byte for byte as the daemon wrote them.
std::vector<std::string> raw_records(const std::string& reply) {
  std::vector<std::string> out;
  std::size_t i = reply.find("\"records\":[");
  if (i == std::string::npos) return out;
  i += 11;
  int depth = 0;
  bool in_str = false;
  std::size_t start = 0;
  for (; i < reply.size(); ++i) {
    const char c = reply[i];
    if (in_str) {
      if (c == '\\') ++i;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{') { if (depth++ == 0) start = i; }
    else if (c == '}') { if (--depth == 0) out.push_back(reply.substr(start, i - start + 1)); }
    else if (c == ']' && depth == 0) break;
  }
  return out;
}

std::string field(const YAML::Node& n, const char* k) { return n[k] && n[k].IsScalar() ? n[k].Scalar() : ""; }

std::string endpoints(const YAML::Node& r) {
  std::string src = field(r, "src_ip"), dst = field(r, "dst_ip");
  if (src.empty()) return "";
  if (!field(r, "src_port").empty()) src += ":" + field(r, "src_port");
  if (!field(r, "dst_port").empty()) dst += ":" + field(r, "dst_port");
  return src + " -> " + dst;
}

// One line a person reads: time, what, who, outcome.
std::string human_line(bool audit, const std::string& raw) {
  YAML::Node r;
  try { r = YAML::Load(raw); } catch (const YAML::Exception&) { return raw; }
  std::string line = field(r, "ts");
  auto add = [&](const std::string& s) { if (!s.empty()) line += "  " + s; };
  if (!audit || field(r, "event") == "seal") {
    add(field(r, "severity"));
    add(field(r, "name").empty() ? field(r, "event") : field(r, "name"));
    add(endpoints(r));
    add(field(r, "action"));
    add(field(r, "detail"));
    if (field(r, "event") == "seal") add("sealed " + field(r, "records") + " records");
    return line;
  }
  add(field(r, "proto"));
  add(endpoints(r));
  add(field(r, "verdict"));
  add("rule=" + field(r, "rule"));
  if (const YAML::Node p = r[field(r, "proto")]; p && p.IsMap()) {
    int shown = 0;
    for (const auto& kv : p) {
      if (!kv.second.IsScalar() || shown == 5) continue;
      line += (shown++ ? " " : "  ") + kv.first.as<std::string>() + "=" + kv.second.Scalar();
    }
  }
  return line;
}

int tail(const CtlContext& ctx, const std::string& stream, const std::vector<std::string>& rest) {
  po::options_description desc;
  unsigned n = 10;
  bool follow = false;
  desc.add_options()("lines,n", po::value(&n), "last N records (default 10, at most 1000)")
      ("follow,f", po::bool_switch(&follow), "keep printing new records");
  po::variables_map vm;
  if (!parse_command_args(stream + " tail", rest, desc, vm, nullptr)) return kUsage;
  std::uint64_t after = 0;
  bool first = true;
  for (;;) {
    const std::string line = "{\"v\":1,\"cmd\":\"" + stream + "\",\"args\":{\"after\":" + std::to_string(after) +
                             ",\"n\":" + std::to_string(first ? n : 1000) + "}}";
    std::string reply, error;
    if (!request(ctx.socket_path, line, reply, error)) {
      std::cerr << "fieldguardctl: " << error << "\n";
      return kNoDaemon;
    }
    YAML::Node r;
    try { r = YAML::Load(reply); } catch (const YAML::Exception& e) {
      std::cerr << "fieldguardctl: unreadable answer from fieldguardd: " << e.what() << "\n";
      return kCommandFailed;
    }
    if (!r["ok"] || !r["ok"].as<bool>()) {
      std::cerr << "fieldguardctl: " << field(r, "error") << "\n";
      return kCommandFailed;
    }
    const std::vector<std::string> recs = raw_records(reply);
    if (!first && !recs.empty()) {
      // The daemon keeps 1000 records: a faster stream outruns a follower. Say so.
      const auto f = daemon::parse_chain_fields(recs.front());
      if (f && f->seq > after + 1)
        std::cerr << "fieldguardctl: " << (f->seq - after - 1) << " records skipped (more than the daemon keeps "
                  << "between two polls; " << field(r["data"], "file") << " has them)\n";
    }
    for (const auto& rec : recs) std::cout << (ctx.json ? rec : human_line(stream == "audit", rec)) << "\n";
    std::cout.flush();
    after = r["data"]["next"].as<std::uint64_t>();
    first = false;
    if (!follow) return kOk;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

int verify(const CtlContext& ctx, const std::vector<std::string>& rest) {
  po::options_description desc;
  std::string key_path;
  desc.add_options()("key,k", po::value(&key_path), "Ed25519 public key (PEM) that checks the seals");
  po::variables_map vm;
  std::vector<std::string> files;
  if (!parse_command_args("audit verify", rest, desc, vm, &files)) return kUsage;
  if (files.empty()) {
    std::cerr << "fieldguardctl audit verify: name the files, oldest first (FILE.2 FILE.1 FILE)\n";
    return kUsage;
  }
  daemon::SealKey key;
  std::string error;
  if (!key_path.empty() && !key.load_public(key_path, error)) {
    std::cerr << "fieldguardctl audit verify: " << error << "\n";
    return kUsage;
  }
  const daemon::ChainReport rep = daemon::verify_chain(files, key.loaded() ? &key : nullptr);
  if (ctx.json) {
    std::cout << "{\"ok\":" << (rep.ok() ? "true" : "false") << ",\"records\":" << rep.records << ",\"seals\":" << rep.seals
              << ",\"seals_checked\":" << (key.loaded() ? "true" : "false") << ",\"first_seq\":" << rep.first_seq
              << ",\"last_seq\":" << rep.last_seq << ",\"last_sealed_seq\":" << rep.last_sealed_seq << ",\"problems\":[";
    for (std::size_t i = 0; i < rep.problems.size(); ++i) {
      const auto& p = rep.problems[i];
      std::cout << (i ? "," : "") << "{\"file\":" << json_string(p.file) << ",\"line\":" << p.line
                << ",\"kind\":" << json_string(p.kind) << ",\"message\":" << json_string(p.message) << "}";
    }
    std::cout << "]}\n";
  } else {
    for (const auto& p : rep.problems) std::cout << p.kind << ": " << p.message << "\n";
    std::cout << (rep.ok() ? "OK" : "TAMPERED") << ": " << rep.records << " records (seq " << rep.first_seq << "-"
              << rep.last_seq << "), " << rep.seals << " seals";
    if (!key.loaded()) std::cout << " (not checked: no --key)";
    std::cout << "\n";
    if (rep.ok() && key.loaded() && rep.last_sealed_seq < rep.last_seq)
      std::cout << "note: records after seq " << rep.last_sealed_seq << " are covered by the hash chain only (no seal yet)\n";
  }
  return rep.ok() ? kOk : kCommandFailed;
}

// Shows logging.audit, or changes it until the daemon restarts (the daemon checks the name).
int level(const CtlContext& ctx, const std::string& name) {
  std::string args = "{}";
  if (!name.empty()) {
    args.clear();
    proto::JsonWriter w(args);
    w.begin_object().field("level", name).end_object();
  }
  YAML::Node data;
  const int rc = call(ctx, "audit.level", args, data);
  if (rc != kOk || ctx.json) return rc;
  const std::string now = data["level"].as<std::string>(), before = data["previous"].as<std::string>();
  if (now == before) std::cout << "audit level: " << now << "\n";
  else std::cout << "audit level: " << now << " (was " << before << "; until the daemon restarts)\n";
  return kOk;
}

}  // namespace

int cmd_events(const CtlContext& ctx) {
  if (ctx.args.empty() || ctx.args.front() != "tail") {
    std::cerr << "fieldguardctl events: expected \"tail [-n N] [-f]\"\n";
    return kUsage;
  }
  return tail(ctx, "events", {ctx.args.begin() + 1, ctx.args.end()});
}

int cmd_audit(const CtlContext& ctx) {
  const std::string sub = ctx.args.empty() ? "" : ctx.args.front();
  if (sub == "tail") return tail(ctx, "audit", {ctx.args.begin() + 1, ctx.args.end()});
  if (sub == "verify") return verify(ctx, {ctx.args.begin() + 1, ctx.args.end()});
  if (sub == "level" && ctx.args.size() <= 2) return level(ctx, ctx.args.size() == 2 ? ctx.args[1] : "");
  std::cerr << "fieldguardctl audit: expected \"tail [-n N] [-f]\", \"verify --key PUB FILE...\" or "
               "\"level [all|changes|flagged]\"\n";
  return kUsage;
}

}  // namespace fg::ctl
