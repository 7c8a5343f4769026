// Saving and loading the quarantined pairs (AnomalyEngine::save_quarantine/load_quarantine):
// state_dir/quarantine.yaml, replaced atomically on every change, read at start so that a
// restart does not lift a quarantine an operator has not released.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/atomic_file.hpp"
#include "rules/anomaly/ip_text.hpp"
#include "rules/anomaly/quarantine_pair.hpp"

namespace fg::anomaly {

namespace {

constexpr int kQuarantineVersion = 1;

}  // namespace

bool read_quarantine_pair(const YAML::Node& map, QuarantineEntry& out, std::string& error) {
  const auto text = [&](const char* key) { return map[key] && map[key].IsScalar() ? map[key].Scalar() : ""; };
  for (auto [key, addr] : {std::pair{"client", &out.client}, std::pair{"server", &out.server}}) {
    if (!parse_ip_text(text(key), *addr)) {
      error = std::string("bad address: ") + key + " must be an IP address, not \"" + text(key) + "\"";
      return false;
    }
  }
  const std::string port = text("port");
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (ec != std::errc{} || end != port.data() + port.size() || v == 0 || v > 65535) {
    error = "port must be 1-65535, not \"" + port + "\"";
    return false;
  }
  out.port = static_cast<std::uint16_t>(v);
  return true;
}

std::string AnomalyEngine::quarantine_path() const { return s_.baseline.state_dir + "/quarantine.yaml"; }

bool AnomalyEngine::save_quarantine(std::string& error) {
  YAML::Emitter out;
  out << YAML::Comment("fieldguard quarantined pairs: written by fieldguardd; "
                       "`fieldguardctl baseline release` lifts them");
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << kQuarantineVersion;
  out << YAML::Key << "pairs" << YAML::Value << YAML::BeginSeq;
  for (const auto& [q, why] : quarantined_) {
    out << YAML::BeginMap;
    out << YAML::Key << "client" << YAML::Value << format_ip_text(q.client);
    out << YAML::Key << "server" << YAML::Value << format_ip_text(q.server);
    out << YAML::Key << "port" << YAML::Value << q.port;
    out << YAML::Key << "because" << YAML::Value << why.event;
    out << YAML::Key << "detail" << YAML::Value << why.detail;
    out << YAML::Key << "action" << YAML::Value << why.action;
    out << YAML::Key << "since_ns" << YAML::Value << why.since_ns;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  if (!out.good()) {
    error = "cannot encode the quarantine: " + out.GetLastError();
    ++stats_.save_failures;
    return false;
  }
  if (!write_file_atomically(quarantine_path(), std::string(out.c_str()) + "\n", error)) {
    ++stats_.save_failures;
    return false;
  }
  ++stats_.saves;
  return true;
}

bool AnomalyEngine::load_quarantine(std::string& error) {
  const std::string path = quarantine_path();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return true;  // nothing quarantined
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    error = path + ": cannot read the quarantined pairs (none restored)";
    return false;
  }
  return load_quarantine_text(text.str(), path, error);
}

bool AnomalyEngine::load_quarantine_text(const std::string& text, const std::string& path, std::string& error) {
  std::map<QuarantineEntry, QuarantineReason> pairs;
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || root["version"].as<int>(0) != kQuarantineVersion)
      throw YAML::Exception(root.Mark(), "not a version " + std::to_string(kQuarantineVersion) + " quarantine file");
    const YAML::Node list = root["pairs"];
    if (list && !list.IsSequence()) throw YAML::Exception(list.Mark(), "pairs: expected a list");
    for (const auto& pn : list) {
      if (!pn.IsMap()) throw YAML::Exception(pn.Mark(), "expected a map");
      QuarantineEntry q;
      std::string why_not;
      if (!read_quarantine_pair(pn, q, why_not)) throw YAML::Exception(pn.Mark(), why_not);
      QuarantineReason why;
      why.event = pn["because"].as<std::string>("");
      why.detail = pn["detail"].as<std::string>("");
      why.action = pn["action"].as<std::string>("");
      why.since_ns = pn["since_ns"].as<std::uint64_t>(0);
      if (pairs.size() >= Quarantine::kMaxPairs) throw YAML::Exception(pn.Mark(), "more pairs than a quarantine holds");
      pairs[q] = std::move(why);
    }
  } catch (const YAML::Exception& e) {
    error = path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
            ": error: unreadable quarantine: " + e.msg + " (no quarantined pair restored)";
    return false;
  }
  quarantined_ = std::move(pairs);
  ++quarantine_version_;
  return true;
}

}  // namespace fg::anomaly
