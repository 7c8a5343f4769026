// fieldguardctl capture start --file NAME [--filter BPF] [--max-bytes N] [--max-seconds S]
//                     | stop | status: a pcap of the frames a filter accepts, written by the
// daemon into its capture directory, bounded in size and time.
#include <iostream>

#include "daemon/ctl/cmd_args.hpp"
#include "daemon/ctl/control_client.hpp"
#include "daemon/ctl/table_output.hpp"

namespace po = boost::program_options;

namespace fg::ctl {

int cmd_capture(const CtlContext& ctx) {
  po::options_description desc;
  std::string file, filter;
  std::uint64_t max_bytes = 16ull << 20, max_seconds = 60;
  desc.add_options()
      ("file,w", po::value(&file), "file name in the daemon's capture directory")
      ("filter", po::value(&filter), "BPF filter (pcap-filter(7)), e.g. \"tcp port 502\"")
      ("max-bytes", po::value(&max_bytes), "stop after this many bytes (default 16 MiB)")
      ("max-seconds", po::value(&max_seconds), "stop after this many seconds (default 60)");
  po::variables_map vm;
  std::vector<std::string> words;
  if (!parse_command_args("capture", ctx.args, desc, vm, &words)) return kUsage;
  const std::string op = words.empty() ? "status" : words.front();
  if (words.size() > 1 || (op != "start" && op != "stop" && op != "status")) {
    std::cerr << "fieldguardctl capture: expected start, stop or status\n";
    return kUsage;
  }
  std::string args = "{\"op\":" + json_string(op);
  if (op == "start") {
    if (file.empty()) {
      std::cerr << "fieldguardctl capture start: --file NAME is required\n";
      return kUsage;
    }
    args += ",\"file\":" + json_string(file) + ",\"filter\":" + json_string(filter) +
            ",\"max_bytes\":" + std::to_string(max_bytes) + ",\"max_seconds\":" + std::to_string(max_seconds);
  }
  args += "}";
  YAML::Node data;
  const int rc = call(ctx, "capture", args, data);
  if (rc != kOk || ctx.json) return rc;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"running", data["running"].as<bool>() ? "yes" : "no"});
  for (const char* k : {"file", "filter", "packets", "bytes", "max_bytes", "dropped", "elapsed_s", "remaining_s", "ended"})
    if (data[k] && !data[k].Scalar().empty()) rows.push_back({k, data[k].Scalar()});
  print_table({"capture", "value"}, rows);
  return kOk;
}

}  // namespace fg::ctl
