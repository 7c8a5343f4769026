// fieldguardctl: talks to a running fieldguardd over its control socket.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

#include "daemon/version.hpp"

namespace po = boost::program_options;

namespace {

// Exit codes scripts can rely on.
constexpr int kOk = 0;
constexpr int kCommandFailed = 1;
constexpr int kUsage = 2;
constexpr int kNoDaemon = 3;

bool request(const std::string& socket_path, const std::string& line, std::string& reply, std::string& error) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || socket_path.size() >= sizeof addr.sun_path) {
    error = "bad socket path";
    if (fd >= 0) ::close(fd);
    return false;
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = "cannot reach fieldguardd at " + socket_path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  const std::string msg = line + "\n";
  if (::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) {
    error = std::string("send: ") + std::strerror(errno);
    ::close(fd);
    return false;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
    if (reply.find('\n') != std::string::npos) break;
  }
  ::close(fd);
  if (reply.empty()) {
    error = "fieldguardd closed the connection without answering";
    return false;
  }
  if (reply.back() == '\n') reply.pop_back();
  return true;
}

void print_row(const std::string& key, const std::string& value) {
  std::cout << "  " << key << std::string(key.size() < 22 ? 22 - key.size() : 1, ' ') << value << "\n";
}

void print_table(const YAML::Node& data, const std::string& prefix = "") {
  for (const auto& kv : data) {
    const std::string key = prefix + kv.first.as<std::string>();
    if (kv.second.IsMap()) print_table(kv.second, key + ".");
    else if (kv.second.IsScalar()) print_row(key, kv.second.Scalar());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket_path = "/run/fieldguard/control.sock";
  bool json = false;
  std::vector<std::string> words;
  po::options_description desc(
      "Usage: fieldguardctl [options] COMMAND\n\n"
      "Commands:\n"
      "  status     version, uptime, mode, workers alive, rule count\n"
      "  stats      packets, drops by reason, flows, PDUs per protocol, events\n"
      "  version    this tool's version\n\n"
      "Exit codes: 0 ok, 1 the daemon refused the command, 2 usage, 3 daemon unreachable.\n\nOptions");
  desc.add_options()
      ("help,h", "print this help")
      ("socket,s", po::value(&socket_path)->value_name("PATH"), "control socket (default /run/fieldguard/control.sock)")
      ("json", po::bool_switch(&json), "print the daemon's JSON answer as is");
  po::options_description hidden;
  hidden.add_options()("words", po::value(&words));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("words", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "fieldguardctl: " << e.what() << "\n";
    return kUsage;
  }
  if (vm.count("help") || words.empty()) {
    std::cout << desc;
    return words.empty() && !vm.count("help") ? kUsage : kOk;
  }
  const std::string& cmd = words[0];
  if (cmd == "version") {
    if (json) std::cout << "{\"version\":\"" << fg::daemon::kVersion << "\"}\n";
    else std::cout << "fieldguardctl " << fg::daemon::kVersion << "\n";
    return kOk;
  }
  if (cmd != "status" && cmd != "stats") {
    std::cerr << "fieldguardctl: unknown command \"" << cmd << "\" (try --help)\n";
    return kUsage;
  }
  std::string reply, error;
  if (!request(socket_path, "{\"v\":1,\"cmd\":\"" + cmd + "\"}", reply, error)) {
    std::cerr << "fieldguardctl: " << error << "\n";
    return kNoDaemon;
  }
  if (json) {
    std::cout << reply << "\n";
  }
  try {
    const YAML::Node r = YAML::Load(reply);
    if (!r["ok"] || !r["ok"].as<bool>()) {
      if (!json) std::cerr << "fieldguardctl: " << (r["error"] ? r["error"].as<std::string>() : reply) << "\n";
      return kCommandFailed;
    }
    if (!json) {
      std::cout << cmd << "\n";
      print_table(r["data"]);
    }
  } catch (const YAML::Exception& e) {
    std::cerr << "fieldguardctl: unreadable answer from fieldguardd: " << e.what() << "\n";
    return kCommandFailed;
  }
  return kOk;
}
