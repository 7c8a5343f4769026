// AnomalyEngine::export_rules: the learned baseline as a rule file an engineer reviews,
// edits and loads (/work/team-notes/RULES-SYNTAX.md, docs/RULES.md). Protocol fields are
// written as numbers (always accepted), with their names in comments.
#include <cstdio>
#include <ctime>
#include <set>
#include <string>

#include "protocols/modbus/function_codes.hpp"
#include "protocols/opcua/constants.hpp"
#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/ip_text.hpp"
#include "rules/anomaly/observation.hpp"

namespace fg::anomaly {

namespace {

std::string s7_function_name(std::uint32_t f) {
  switch (f) {
    case 0x00: return "cpu_services";
    case 0x04: return "read_var";
    case 0x05: return "write_var";
    case 0x1a: return "request_download";
    case 0x1b: return "download_block";
    case 0x1c: return "download_ended";
    case 0x1d: return "start_upload";
    case 0x1e: return "upload";
    case 0x1f: return "end_upload";
    case 0x28: return "pi_service";
    case 0x29: return "plc_stop";
    case 0xf0: return "setup_communication";
    default:
      if (f >= kS7PlusBase) return "s7comm_plus_" + std::to_string(f & 0xffff);
      if (f >= kS7UserdataBase) return "userdata_" + std::to_string((f >> 8) & 0x0f) + "_" + std::to_string(f & 0xff);
      return "function_" + std::to_string(f);
  }
}

std::string dnp3_function_name(std::uint32_t f) {
  static const char* const kNames[] = {"confirm", "read", "write", "select", "operate", "direct_operate",
                                       "direct_operate_nr", "immediate_freeze", "immediate_freeze_nr",
                                       "freeze_clear", "freeze_clear_nr", "freeze_at_time", "freeze_at_time_nr",
                                       "cold_restart", "warm_restart", "initialize_data", "initialize_application",
                                       "start_application", "stop_application", "save_configuration",
                                       "enable_unsolicited", "disable_unsolicited", "assign_class",
                                       "delay_measure", "record_current_time", "open_file", "close_file",
                                       "delete_file", "get_file_info", "authenticate_file", "abort_file",
                                       "activate_config", "authenticate_req", "authenticate_err"};
  return f < std::size(kNames) ? kNames[f] : "function";
}

std::string function_label(proto::Protocol p, std::uint32_t f) {
  switch (p) {
    case proto::Protocol::Modbus: {
      const std::string_view n = modbus::function_name(static_cast<std::uint8_t>(f));
      return n.empty() ? "function_" + std::to_string(f) : std::string(n);
    }
    case proto::Protocol::S7comm: return s7_function_name(f);
    case proto::Protocol::Opcua: {
      const std::string_view n = opcua::service_name(f);
      return n.empty() ? "service_" + std::to_string(f) : std::string(n);
    }
    case proto::Protocol::Dnp3: return dnp3_function_name(f);
    default: return "function";
  }
}

std::string range_text(std::uint32_t lo, std::uint32_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

std::string ranges_text(const RangeSet& r) {
  std::string s;
  for (const auto& [lo, hi] : r.ranges()) s += (s.empty() ? "\"" : ", \"") + range_text(lo, hi) + "\"";
  return r.ranges().size() == 1 ? s : "[" + s + "]";
}

std::string time_text(std::uint64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string slug(const std::string& ip) {
  std::string s;
  for (char c : ip) s += (c == '.' || c == ':') ? '-' : c;
  return s;
}

// The rule section and its fields that name function `code` of protocol `p`: OPC UA calls
// it service; S7 userdata is a group and subfunction; S7comm-plus has its own section.
std::string function_fields(proto::Protocol p, std::uint32_t code, const char** section) {
  *section = section_name(p);
  if (p == proto::Protocol::Opcua) return "service: [" + std::to_string(code) + "]";
  if (p == proto::Protocol::S7comm && code >= kS7PlusBase) {
    *section = "s7comm_plus";
    return "function: [" + std::to_string(code & 0xffff) + "]";
  }
  if (p == proto::Protocol::S7comm && code >= kS7UserdataBase)
    return "group: [" + std::to_string((code >> 8) & 0x0f) + "], subfunction: [" + std::to_string(code & 0xff) + "]";
  return "function: [" + std::to_string(code) + "]";
}

}  // namespace

std::string AnomalyEngine::export_rules(const std::string& default_action) const {
  std::string out;
  std::uint64_t first = ~0ull, last = 0;
  for (const auto& [k, p] : baseline_.pairs()) {
    first = std::min(first, p.first_ns);
    last = std::max(last, p.last_ns);
  }
  out += "# fieldguard baseline export: an allowlist of what was seen while learning.\n";
  if (!baseline_.pairs().empty())
    out += "# Learned from " + time_text(first) + " to " + time_text(last) + ": " + std::to_string(baseline_.requests()) +
           " requests on " + std::to_string(baseline_.pairs().size()) + " client->server pairs.\n";
  out += "# Review before loading: every rule allows exactly what was observed (functions, units,\n"
         "# address and value ranges), nothing more. Widen ranges you know are legitimate, delete\n"
         "# what should never have happened. Load it with `rules: FILE` in fieldguard.yaml (or\n"
         "# merge its rules into your rule file) and check it with `fieldguardctl rules check FILE`.\n";
  out += "default_action: " + default_action + "    # what happens to anything not listed: alert reports it, drop enforces\n";
  out += "rules:\n";
  if (baseline_.pairs().empty()) out += "  []\n";
  int n = 0;
  for (const auto& [k, p] : baseline_.pairs()) {
    const std::string client = format_ip_text(k.client), server = format_ip_text(k.server);
    const bool v4 = k.client.is_v4();
    const char* section = section_name(k.proto);
    out += "\n  # " + client + " -> " + server + ":" + std::to_string(k.port) + " " + section + ": " +
           std::to_string(p.requests) + " requests from " + time_text(p.first_ns) + " to " + time_text(p.last_ns) +
           ", peak " + std::to_string(p.max_rate) + "/s\n";
    std::string common;
    common += "    action: allow\n";
    common += "    from: " + client + (v4 ? "/32" : "/128") + "\n";
    common += "    to: " + server + (v4 ? "/32" : "/128") + "\n";
    common += std::string("    proto: ") + (p.ip_proto == 17 ? "udp" : "tcp") + "\n";
    common += "    dst_port: " + std::to_string(k.port) + "\n";
    std::string units;
    if (k.proto == proto::Protocol::Modbus && !p.units.empty()) {
      for (auto u : p.units) units += (units.empty() ? "" : ", ") + std::to_string(u);
      units = ", unit_id: [" + units + "]";
    }
    std::string tags;
    if (k.proto == proto::Protocol::S7comm && !p.tags.empty()) {
      std::set<std::uint32_t> area_set, db_set;
      for (auto t : p.tags) {
        area_set.insert(t >> 16);
        if ((t >> 16) == 0x84) db_set.insert(t & 0xffff);  // 0x84: data blocks
      }
      std::string areas, dbs;
      for (auto a : area_set) areas += (areas.empty() ? "" : ", ") + std::to_string(a);
      for (auto d : db_set) dbs += (dbs.empty() ? "" : ", ") + std::to_string(d);
      tags = ", area: [" + areas + "]" + (dbs.empty() ? "" : ", db: [" + dbs + "]");
    }
    if (k.proto == proto::Protocol::Dnp3 && !p.tags.empty()) {
      std::string objs;
      for (auto t : p.tags) objs += (objs.empty() ? "\"" : ", \"") + std::to_string(t >> 8) + ":" + std::to_string(t & 0xff) + "\"";
      tags = ", object: [" + objs + "]";
    }
    // Each function gets a rule (its address and value ranges are its own).
    for (const auto& [code, f] : p.functions) {
      const std::string label = function_label(k.proto, code);
      const char* sect = section;
      const std::string fields = function_fields(k.proto, code, &sect);
      const bool s7_items = k.proto == proto::Protocol::S7comm && (code == 4 || code == 5);
      char name[128];
      std::snprintf(name, sizeof name, "baseline-%03d-%s-%s", ++n, sect, label.c_str());
      out += "  - name: " + std::string(name) + "    # " + std::to_string(f.count) + " requests\n" + common;
      out += std::string("    ") + sect + ": {" + fields + units + (s7_items ? tags : "") +
             (k.proto == proto::Protocol::Dnp3 ? tags : "");
      if (!f.addresses.empty()) out += ", address: " + ranges_text(f.addresses);
      if (f.has_values) {
        const auto [lo, hi] = f.allowed_values();
        out += ", value: \"" + range_text(lo, hi) + "\"";
      }
      out += "}    # " + label;
      if (f.has_values)
        out += "; values seen " + range_text(f.value_min, f.value_max) + ", widened by a quarter of that span";
      out += "\n";
      if (!f.addresses.empty() || f.has_values)
        out += "    # rate: {limit: " + std::to_string(std::max<std::uint32_t>(10, 3 * p.max_rate + 10)) +
               ", per: 1s}    # learned peak of the pair " + std::to_string(p.max_rate) + "/s: uncomment to enforce\n";
    }
    // Requests are what the baseline judges; their answers ride on them. One rule per section
    // lets the server answer (the rule language judges responses only where told to).
    std::set<std::string> sections;
    for (const auto& [code, f] : p.functions) {
      const char* sect = section;
      (void)function_fields(k.proto, code, &sect);
      sections.insert(sect);
    }
    if (k.proto == proto::Protocol::Opcua) {
      // Connection management (HEL, OPN, CLO) carries no service the baseline could list.
      char name[128];
      std::snprintf(name, sizeof name, "baseline-%03d-opcua-connection", ++n);
      out += "  - name: " + std::string(name) + "\n" + common;
      out += "    opcua: {msg_type: [HEL, OPN, CLO]}    # hello, open and close secure channel\n";
      sections.insert("opcua");
    }
    for (const std::string& sect : sections) {
      char name[128];
      std::snprintf(name, sizeof name, "baseline-%03d-%s-responses", ++n, sect.c_str());
      out += "  - name: " + std::string(name) + "    # the server's answers on this pair\n" + common;
      out += "    direction: response\n";
      out += "    " + sect + ": {}\n";
    }
    if (p.functions.empty()) {
      char name[128];
      std::snprintf(name, sizeof name, "baseline-%03d-%s-%s", ++n, section, slug(client + "-to-" + server).c_str());
      out += "  - name: " + std::string(name) + "    # connection seen, no function learned\n" + common;
    }
  }
  return out;
}

}  // namespace fg::anomaly
