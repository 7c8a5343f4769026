// fieldguardctl devices [list] | admitted | leases | revoke ID | reload-crl: the device
// inventory with admission state, certificate leases, and revocation (docs/IDENTITY.md).
#include <cctype>
#include <iostream>

#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"

namespace fg::ctl {

namespace {

std::string text(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : ""; }

// A device id goes into the request as a JSON string: only the characters ids use.
bool plain_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ':') return false;
  return true;
}

int list(const CtlContext& ctx) {
  YAML::Node data;
  const int rc = call(ctx, "devices", "{\"op\":\"list\"}", data);
  if (rc != kOk || ctx.json) return rc;
  std::cout << "identity mode: " << text(data["mode"]) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : data["devices"])
    rows.push_back({text(d["id"]), text(d["identity"]), text(d["mac"]), text(d["ip"]), text(d["vlan"]),
                    text(d["admitted"]) == "true" ? "yes" : "no"});
  print_table({"DEVICE", "IDENTITY", "MAC", "IP", "VLAN", "ADMITTED"}, rows);
  if (data["discovered"] && data["discovered"].size() > 0) {
    std::cout << "\ndiscovered (not in the inventory)\n";
    rows.clear();
    for (const auto& d : data["discovered"]) rows.push_back({text(d["mac"]), text(d["ip"]), text(d["protocols"])});
    print_table({"MAC", "IP", "PROTOCOLS"}, rows);
  }
  std::cout << "\nidentity stage\n";
  print_key_values(data["stage"]);
  return kOk;
}

int leases(const CtlContext& ctx) {
  YAML::Node data;
  const int rc = call(ctx, "devices", "{\"op\":\"leases\"}", data);
  if (rc != kOk || ctx.json) return rc;
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : data)
    rows.push_back({text(l["device"]), text(l["ip"]), text(l["mac"]), text(l["mac_source"]), text(l["expires_in_s"]),
                    text(l["renewals"]), text(l["serial"])});
  print_table({"DEVICE", "IP", "MAC", "MAC FROM", "EXPIRES IN S", "RENEWALS", "SERIAL"}, rows);
  return kOk;
}

}  // namespace

int cmd_devices(const CtlContext& ctx) {
  const std::string op = ctx.args.empty() ? "list" : ctx.args[0];
  if (op == "list" && ctx.args.size() <= 1) return list(ctx);
  if ((op == "admitted" || op == "leases") && ctx.args.size() == 1) return leases(ctx);
  if (op == "revoke" && ctx.args.size() == 2) {
    if (!plain_id(ctx.args[1])) {
      std::cerr << "fieldguardctl: \"" << ctx.args[1] << "\" is not a device id\n";
      return kUsage;
    }
    YAML::Node data;
    const int rc = call(ctx, "devices", "{\"op\":\"revoke\",\"id\":\"" + ctx.args[1] + "\"}", data);
    if (rc == kOk && !ctx.json) std::cout << "revoked " << ctx.args[1] << ": its lease ended, its certificate is refused until fieldguardd restarts (add it to the CRL to make it last)\n";
    return rc;
  }
  if (op == "reload-crl" && ctx.args.size() == 1) {
    YAML::Node data;
    const int rc = call(ctx, "devices", "{\"op\":\"reload-crl\"}", data);
    if (rc == kOk && !ctx.json) std::cout << "CRL reloaded\n";
    return rc;
  }
  std::cerr << "usage: fieldguardctl devices [list | admitted | leases | revoke ID | reload-crl]\n";
  return kUsage;
}

}  // namespace fg::ctl
