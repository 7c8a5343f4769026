#include "daemon/options.hpp"

#include <boost/program_options.hpp>

#include <cstring>
#include <iostream>

#include "daemon/config/config_loader.hpp"
#include "daemon/version.hpp"

namespace po = boost::program_options;

namespace fg::daemon {

ParseOutcome parse_options(int argc, char** argv, Options& out) {
  // EAL arguments follow "--" and go to DPDK untouched.
  int own_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      own_argc = i;
      for (int j = i + 1; j < argc; ++j) out.eal_args.emplace_back(argv[j]);
      break;
    }
  }
  std::string idle;
  po::options_description desc(
      "Usage: fieldguardd [options] [-- EAL arguments]\n\n"
      "Inline security appliance for industrial networks: bridges field and platform ports,\n"
      "parses Modbus/TCP, S7comm, OPC UA and DNP3, applies policy and writes audit records.\n"
      "Without -c it runs the built-in monitor default (forward everything, audit every\n"
      "industrial PDU, report anomalies).\n\nOptions");
  desc.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("config,c", po::value(&out.config)->value_name("FILE"), "YAML configuration file")
      ("read,r", po::value(&out.read)->value_name("FILE"), "replay a capture file (pcap/pcapng) through the pipeline and exit")
      ("write,w", po::value(&out.write)->value_name("FILE"), "with -r: write forwarded packets to FILE (same link type)")
      ("event-log", po::value(&out.event_log)->value_name("FILE"), "events as JSON lines (\"-\" = stdout)")
      ("audit-log", po::value(&out.audit_log)->value_name("FILE"), "audit records, one JSON line per industrial PDU")
      ("summary-json", po::value(&out.summary_json)->value_name("FILE"), "write the run summary as JSON at exit")
      ("idle-exit", po::value(&idle)->value_name("DURATION"), "stop when no packet arrived for DURATION (e.g. 2s)")
      ("control-socket", po::value(&out.control_socket)->value_name("PATH"), "control socket path (default from config)")
      ("no-control", po::bool_switch(&out.no_control), "do not open the control socket")
      ("check-config", po::bool_switch(&out.check_config), "validate the configuration and exit (0 valid, 1 invalid)")
      ("quiet,q", po::bool_switch(&out.quiet), "no summary on stderr");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(own_argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "fieldguardd: " << e.what() << "\nTry 'fieldguardd --help'.\n";
    return ParseOutcome::ExitError;
  }
  if (vm.count("help")) {
    std::cout << desc << "\nExamples:\n"
              << "  fieldguardd -r capture.pcap -w forwarded.pcap --audit-log audit.jsonl\n"
              << "  fieldguardd -c /etc/fieldguard/fieldguard.yaml -- -l 0-1 --no-huge --no-pci\n";
    return ParseOutcome::ExitOk;
  }
  if (vm.count("version")) {
    std::cout << "fieldguardd " << kVersion << "\n";
    return ParseOutcome::ExitOk;
  }
  if (!idle.empty()) {
    std::uint64_t ns = 0;
    if (!parse_duration_ns(idle, ns)) {
      std::cerr << "fieldguardd: --idle-exit: expected a duration like 500ms or 2s, got \"" << idle << "\"\n";
      return ParseOutcome::ExitError;
    }
    out.idle_exit_ms = static_cast<std::uint32_t>(ns / 1'000'000ull);
  }
  if (!out.write.empty() && out.read.empty()) {
    std::cerr << "fieldguardd: -w needs -r (live traffic is forwarded to the peer port)\n";
    return ParseOutcome::ExitError;
  }
  return ParseOutcome::Run;
}

}  // namespace fg::daemon
