// fieldguardctl: manages a running fieldguardd over its control socket, and checks files offline.
#include <boost/program_options.hpp>

#include <iostream>
#include <string>

#include "daemon/ctl/ctl_command.hpp"

namespace po = boost::program_options;
using namespace fg::ctl;

namespace {

std::string usage_text() {
  std::string s = "Usage: fieldguardctl [--json] [--socket PATH] COMMAND [ARGS...]\n\nCommands:\n";
  for (const auto& c : commands()) {
    const std::string name = c.name;
    s += "  " + name + std::string(name.size() < 11 ? 11 - name.size() : 1, ' ') + c.summary + "\n";
  }
  s += "\nExit codes: 0 ok, 1 the daemon refused the command (or a check found problems), 2 usage,\n"
       "3 daemon unreachable.\n\nOptions";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CtlContext ctx;
  ctx.socket_path = "/run/fieldguard/control.sock";
  po::options_description desc(usage_text());
  desc.add_options()
      ("help,h", "print this help")
      ("socket,s", po::value(&ctx.socket_path)->value_name("PATH"), "control socket (default /run/fieldguard/control.sock)")
      ("json", po::bool_switch(&ctx.json), "machine-readable JSON output");
  std::vector<std::string> rest;
  po::variables_map vm;
  try {
    // Options the command itself understands (e.g. `events tail -f`) pass through to it.
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(desc).allow_unregistered().run();
    po::store(parsed, vm);
    po::notify(vm);
    rest = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    std::cerr << "fieldguardctl: " << e.what() << "\n";
    return kUsage;
  }
  if (vm.count("help") || rest.empty()) {
    std::cout << desc;
    return rest.empty() && !vm.count("help") ? kUsage : kOk;
  }
  const std::string cmd = rest.front();
  if (cmd == "__words") {
    // For bash completion (daemon/ctl/fieldguardctl.bash): the words after a command.
    for (const auto& c : commands())
      if (rest.size() > 1 && rest[1] == c.name) std::cout << c.words << "\n";
    return kOk;
  }
  ctx.args.assign(rest.begin() + 1, rest.end());
  for (const auto& c : commands())
    if (cmd == c.name) return c.run(ctx);
  std::cerr << "fieldguardctl: unknown command \"" << cmd << "\" (try --help)\n";
  return kUsage;
}
