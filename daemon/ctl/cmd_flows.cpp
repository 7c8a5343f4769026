// fieldguardctl flows [list|top] [--addr A] [--port P] [--proto tcp|udp|icmp] [--app modbus]
//                      [--by packets|bytes] [-n N]: the flows the workers track now.
#include <cstdio>
#include <iostream>

#include "daemon/ctl/cmd_args.hpp"
#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"

namespace po = boost::program_options;

namespace fg::ctl {

int cmd_flows(const CtlContext& ctx) {
  po::options_description desc;
  std::string addr, proto, app, by = "packets";
  int port = 0;
  unsigned limit = 20;
  desc.add_options()
      ("addr", po::value(&addr), "either endpoint's address")
      ("port", po::value(&port), "either endpoint's port")
      ("proto", po::value(&proto), "tcp, udp, icmp, icmpv6")
      ("app", po::value(&app), "modbus, modbus_rtu, s7comm, s7comm_plus, opcua, dnp3")
      ("by", po::value(&by), "top: packets or bytes")
      ("limit,n", po::value(&limit), "at most this many (default 20)");
  po::variables_map vm;
  std::vector<std::string> words;
  if (!parse_command_args("flows", ctx.args, desc, vm, &words)) return kUsage;
  const std::string mode = words.empty() ? "list" : words.front();
  if (words.size() > 1 || (mode != "list" && mode != "top")) {
    std::cerr << "fieldguardctl flows: expected list or top, got \"" << words.back() << "\"\n";
    return kUsage;
  }
  if (by != "packets" && by != "bytes") {
    std::cerr << "fieldguardctl flows: --by takes packets or bytes\n";
    return kUsage;
  }
  std::string args = "{\"limit\":" + std::to_string(limit);
  if (!addr.empty()) args += ",\"addr\":" + json_string(addr);
  if (vm.count("port")) args += ",\"port\":" + std::to_string(port);
  if (!proto.empty()) args += ",\"proto\":" + json_string(proto);
  if (!app.empty()) args += ",\"app\":" + json_string(app);
  if (mode == "top") args += ",\"top\":" + json_string(by);
  args += "}";
  YAML::Node data;
  const int rc = call(ctx, "flows", args, data);
  if (rc != kOk || ctx.json) return rc;
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : data["flows"]) {
    char age[32];
    std::snprintf(age, sizeof age, "%.1f", f["age_s"].as<double>());
    std::string client = f["client"].Scalar(), server = f["server"].Scalar();
    if (f["proto"].Scalar() == "tcp" || f["proto"].Scalar() == "udp") {
      client += ":" + f["client_port"].Scalar();
      server += ":" + f["server_port"].Scalar();
    }
    rows.push_back({f["proto"].Scalar(), client, server, f["app"].Scalar() == "none" ? "-" : f["app"].Scalar(),
                    f["state"].Scalar(), f["packets"].Scalar(), f["bytes"].Scalar(), age,
                    f["blocked"].as<bool>() ? f["rule"].Scalar() + " (blocked)" : f["rule"].Scalar(), f["worker"].Scalar()});
  }
  print_table({"proto", "client", "server", "app", "state", "packets", "bytes", "age_s", "rule", "worker"}, rows);
  std::cout << data["shown"].Scalar() << " of " << data["matched"].Scalar() << " matching flows\n";
  return kOk;
}

}  // namespace fg::ctl
