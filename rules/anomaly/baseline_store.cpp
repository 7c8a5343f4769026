// Saving and loading the engine's learned state (AnomalyEngine::save/load): the baseline,
// the behaviour model and the mode in baseline.yaml, learn mode's training windows in
// behaviour_windows.tsv. Both are replaced atomically.
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/anomaly/anomaly_engine.hpp"
#include "rules/anomaly/atomic_file.hpp"
#include "rules/anomaly/ip_text.hpp"

namespace fg::anomaly {

namespace {

constexpr int kStateVersion = 1;

proto::Protocol protocol_from(const std::string& s) {
  if (s == "modbus") return proto::Protocol::Modbus;
  if (s == "s7comm") return proto::Protocol::S7comm;
  if (s == "opcua") return proto::Protocol::Opcua;
  if (s == "dnp3") return proto::Protocol::Dnp3;
  return proto::Protocol::None;
}

template <class C>
void emit_seq(YAML::Emitter& out, const char* key, const C& c) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : c) out << v;
  out << YAML::EndSeq;
}

void emit_vector(YAML::Emitter& out, const FeatureVector& v) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double d : v) out << d;
  out << YAML::EndSeq;
}

FeatureVector read_vector(const YAML::Node& n) {
  FeatureVector v{};
  if (!n.IsSequence() || n.size() != kFeatureCount) throw YAML::Exception(n.Mark(), "expected " + std::to_string(kFeatureCount) + " numbers");
  for (int i = 0; i < kFeatureCount; ++i) v[i] = n[i].as<double>();
  return v;
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

std::string AnomalyEngine::state_path() const { return s_.baseline.state_dir + "/baseline.yaml"; }
std::string AnomalyEngine::windows_path() const { return s_.baseline.state_dir + "/behaviour_windows.tsv"; }

std::string AnomalyEngine::local_path() const { return s_.baseline.state_dir + "/baseline.local.yaml"; }

std::string AnomalyEngine::state_text() const {
  YAML::Emitter out;
  out << YAML::Comment("fieldguard learned state: written by fieldguardd, not meant for editing "
                       "(use `fieldguardctl baseline export` for a rule file)");
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << kStateVersion;
  out << YAML::Key << "mode" << YAML::Value << mode_name(mode_);
  if (!from_bundle_.empty()) out << YAML::Key << "from_bundle" << YAML::Value << from_bundle_;
  out << YAML::Key << "pairs" << YAML::Value << YAML::BeginSeq;
  for (const auto& [k, p] : baseline_.pairs()) {
    out << YAML::BeginMap;
    out << YAML::Key << "client" << YAML::Value << format_ip_text(k.client);
    out << YAML::Key << "server" << YAML::Value << format_ip_text(k.server);
    out << YAML::Key << "port" << YAML::Value << k.port;
    out << YAML::Key << "proto" << YAML::Value << section_name(k.proto);
    out << YAML::Key << "ip_proto" << YAML::Value << static_cast<unsigned>(p.ip_proto);
    out << YAML::Key << "requests" << YAML::Value << p.requests;
    out << YAML::Key << "first_ns" << YAML::Value << p.first_ns;
    out << YAML::Key << "last_ns" << YAML::Value << p.last_ns;
    out << YAML::Key << "max_rate" << YAML::Value << p.max_rate;
    emit_seq(out, "units", p.units);
    emit_seq(out, "tags", p.tags);
    out << YAML::Key << "functions" << YAML::Value << YAML::BeginSeq;
    for (const auto& [code, f] : p.functions) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "code" << YAML::Value << code;
      out << YAML::Key << "count" << YAML::Value << f.count;
      out << YAML::Key << "ranges" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (const auto& [lo, hi] : f.addresses.ranges()) out << YAML::Flow << YAML::BeginSeq << lo << hi << YAML::EndSeq;
      out << YAML::EndSeq;
      if (f.has_values)
        out << YAML::Key << "values" << YAML::Value << YAML::Flow << YAML::BeginSeq << f.value_min << f.value_max << YAML::EndSeq;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "behaviour" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "training_windows" << YAML::Value << behaviour_.training_windows;
  out << YAML::Key << "mean" << YAML::Value;
  emit_vector(out, behaviour_.mean);
  out << YAML::Key << "scale" << YAML::Value;
  emit_vector(out, behaviour_.scale);
  out << YAML::Key << "centroids" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : behaviour_.centroids_) emit_vector(out, c);
  out << YAML::EndSeq;
  emit_seq(out, "thresholds", behaviour_.thresholds_);
  emit_seq(out, "sizes", behaviour_.sizes_);
  emit_seq(out, "silhouettes", behaviour_.silhouettes_);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return out.good() ? std::string(out.c_str()) + "\n" : std::string();
}

bool AnomalyEngine::save(std::string& error) {
  const std::string text = state_text();
  if (text.empty()) {
    error = "cannot encode the state";
    ++stats_.save_failures;
    return false;
  }
  if (!write_file_atomically(state_path(), text, error)) {
    ++stats_.save_failures;
    return false;
  }
  if (!training_.empty() || file_exists(windows_path())) {
    std::string w;
    w.reserve(training_.size() * kFeatureCount * 10);
    char buf[32];
    for (const auto& v : training_) {
      for (int i = 0; i < kFeatureCount; ++i) {
        std::snprintf(buf, sizeof buf, i ? "\t%.6g" : "%.6g", v[i]);
        w += buf;
      }
      w += '\n';
    }
    if (!write_file_atomically(windows_path(), w, error)) {
      ++stats_.save_failures;
      return false;
    }
  }
  ++stats_.saves;
  return true;
}

bool AnomalyEngine::load(std::string& error) {
  const std::string path = state_path();
  if (!file_exists(path)) return true;  // nothing learned yet
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    error = path + ": cannot read the learned state (starting with an empty baseline)";
    return false;
  }
  return load_text(text.str(), path, error) && load_windows(error);
}

bool AnomalyEngine::parse_state(const std::string& text, LearnedState& out, StateError& error) {
  LearnedState st;
  BaselineModel& base = st.baseline;
  BehaviourModel& beh = st.behaviour;
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || root["version"].as<int>(0) != kStateVersion)
      throw YAML::Exception(root.Mark(), "not a version " + std::to_string(kStateVersion) + " state file");
    const std::string m = root["mode"].as<std::string>("off");
    if (m != "off" && m != "learn" && m != "enforce") throw YAML::Exception(root["mode"].Mark(), "mode: expected off, learn or enforce");
    st.mode = m == "learn" ? Mode::Learn : m == "enforce" ? Mode::Enforce : Mode::Off;
    st.from_bundle = root["from_bundle"].as<std::string>("");
    for (const auto& pn : root["pairs"]) {
      PairKey k;
      if (!parse_ip_text(pn["client"].as<std::string>(), k.client) || !parse_ip_text(pn["server"].as<std::string>(), k.server))
        throw YAML::Exception(pn.Mark(), "bad address");
      k.port = pn["port"].as<std::uint16_t>();
      k.proto = protocol_from(pn["proto"].as<std::string>());
      if (k.proto == proto::Protocol::None) throw YAML::Exception(pn["proto"].Mark(), "unknown protocol");
      PairProfile p;
      p.ip_proto = static_cast<std::uint8_t>(pn["ip_proto"].as<unsigned>(6));
      p.requests = pn["requests"].as<std::uint64_t>();
      p.first_ns = pn["first_ns"].as<std::uint64_t>(0);
      p.last_ns = pn["last_ns"].as<std::uint64_t>(0);
      p.max_rate = pn["max_rate"].as<std::uint32_t>(0);
      for (const auto& u : pn["units"]) p.units.insert(u.as<std::uint16_t>());
      for (const auto& t : pn["tags"]) p.tags.insert(t.as<std::uint32_t>());
      for (const auto& fn : pn["functions"]) {
        FunctionProfile& f = p.functions[fn["code"].as<std::uint32_t>()];
        f.count = fn["count"].as<std::uint64_t>(0);
        for (const auto& r : fn["ranges"]) f.addresses.add(r[0].as<std::uint32_t>(), r[1].as<std::uint32_t>());
        if (const YAML::Node v = fn["values"]) {
          f.has_values = true;
          f.value_min = v[0].as<std::uint16_t>();
          f.value_max = v[1].as<std::uint16_t>();
        }
      }
      base.pairs().emplace(k, std::move(p));
    }
    if (const YAML::Node b = root["behaviour"]) {
      beh.training_windows = b["training_windows"].as<std::uint32_t>(0);
      for (const auto& c : b["centroids"]) beh.centroids_.push_back(read_vector(c));
      if (!beh.centroids_.empty()) {
        beh.mean = read_vector(b["mean"]);
        beh.scale = read_vector(b["scale"]);
        for (const auto& t : b["thresholds"]) beh.thresholds_.push_back(t.as<double>());
        for (const auto& s : b["sizes"]) beh.sizes_.push_back(s.as<std::uint32_t>());
        if (beh.thresholds_.size() != beh.centroids_.size())
          throw YAML::Exception(b["thresholds"].Mark(), "one threshold per centroid expected");
        for (double s : beh.scale)
          if (!(s > 0)) throw YAML::Exception(b["scale"].Mark(), "scales must be positive");
      }
      for (const auto& s : b["silhouettes"]) beh.silhouettes_.push_back(s.as<double>());
    }
  } catch (const YAML::Exception& e) {
    error.line = e.mark.line + 1;
    error.column = e.mark.column + 1;
    error.message = e.msg;
    return false;
  }
  out = std::move(st);
  return true;
}

bool AnomalyEngine::read_state_file(const std::string& path, std::uint64_t max_bytes, LearnedState& out,
                                    std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    error = path + ":0:0: error: cannot open the learned state";
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    error = path + ":0:0: error: learned state larger than " + std::to_string(max_bytes) + " bytes";
    return false;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  StateError e;
  if (!in) e.message = "cannot read the learned state";
  if (!in || !parse_state(text.str(), out, e)) {
    error = path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": error: " + e.message;
    return false;
  }
  return true;
}

bool AnomalyEngine::load_text(const std::string& text, const std::string& path, std::string& error) {
  LearnedState st;
  StateError e;
  if (!parse_state(text, st, e)) {
    error = path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) +
            ": error: unreadable learned state: " + e.message + " (starting with an empty baseline)";
    return false;
  }
  baseline_ = std::move(st.baseline);
  behaviour_ = std::move(st.behaviour);
  from_bundle_ = std::move(st.from_bundle);
  if (!s_.baseline.mode_set) mode_ = st.mode;
  return true;
}

void AnomalyEngine::adopt(LearnedState&& st) {
  baseline_ = std::move(st.baseline);
  behaviour_ = std::move(st.behaviour);
  if (!s_.baseline.mode_set) mode_ = st.mode;
  // Windows learned against the old baseline say nothing about the new one.
  training_.clear();
  training_seen_ = 0;
  for (auto& [k, ps] : pair_state_) {
    ps.window_open = false;
    ps.last_event_ns.clear();
  }
}

bool AnomalyEngine::use_bundle_baseline(const std::string& bundle_file, const LearnedState* state, std::string& error) {
  if (state != nullptr && bundle_file == from_bundle_) return true;  // bundle files never change
  if (state != nullptr) {
    // The first bundle baseline: what was learned here is kept aside, to come back when no
    // bundle carries a baseline any more (a rollback past the first one).
    if (from_bundle_.empty()) {
      const std::string local = state_text();
      if (local.empty() || !write_file_atomically(local_path(), local, error)) {
        if (error.empty()) error = "cannot encode the state";
        error = "the learned baseline could not be kept aside, the bundle's is not used: " + error;
        return false;
      }
    }
    LearnedState st = *state;
    adopt(std::move(st));
    from_bundle_ = bundle_file;
    note("baseline.bundle_applied", "info",
         "baseline from " + bundle_file + " in force: " + std::to_string(baseline_.pairs().size()) + " pairs, " +
             std::to_string(behaviour_.centroids_.size()) + " behaviour clusters, mode " + mode_name(mode_));
  } else {
    if (from_bundle_.empty()) return true;  // the learned state is in force already
    LearnedState st;
    const std::string path = local_path();
    if (file_exists(path)) {
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      StateError e;
      if (!in || !parse_state(text.str(), st, e)) {
        error = path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) +
                ": error: the baseline kept aside cannot be read: " + (e.message.empty() ? "unreadable" : e.message);
        return false;
      }
    }
    const std::string was = from_bundle_;
    adopt(std::move(st));
    from_bundle_.clear();
    note("baseline.bundle_reverted", "info",
         "baseline from " + was + " no longer in force: the baseline learned here is back (" +
             std::to_string(baseline_.pairs().size()) + " pairs, mode " + mode_name(mode_) + ")");
  }
  if (!save(error)) return false;
  if (from_bundle_.empty()) ::unlink(local_path().c_str());
  return true;
}

bool AnomalyEngine::load_windows(std::string& error) {
  std::vector<FeatureVector> windows;
  if (std::ifstream in(windows_path()); in) {
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::istringstream ls(line);
      FeatureVector v{};
      int i = 0;
      while (i < kFeatureCount && ls >> v[i]) ++i;
      if (i != kFeatureCount) {
        error = windows_path() + ":" + std::to_string(n) + ":1: error: expected " + std::to_string(kFeatureCount) +
                " numbers (training windows not loaded)";
        windows.clear();
        break;
      }
      windows.push_back(v);
    }
  }
  training_ = std::move(windows);
  training_seen_ = training_.size();
  return error.empty();
}

}  // namespace fg::anomaly
