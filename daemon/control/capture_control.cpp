#include "daemon/control/capture_control.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "protocols/common/json_writer.hpp"

namespace fg::daemon {

namespace {
constexpr std::uint64_t kDefaultBytes = 16ull << 20;
constexpr std::uint64_t kMaxBytes = 1ull << 30;
constexpr std::uint64_t kDefaultSeconds = 60;
constexpr std::uint64_t kMaxSeconds = 3600;
constexpr std::uint32_t kRingSlots = 1024;  // per worker: 2 MiB
}  // namespace

CaptureControl::CaptureControl(std::string dir, CaptureHooks hooks) : dir_(std::move(dir)), hooks_(std::move(hooks)) {}

CaptureControl::~CaptureControl() {
  if (active_) stop("daemon stopping");
}

void CaptureControl::register_command(ControlState& state) {
  state.commands["capture"] = [this](const YAML::Node& request) -> ControlReply {
    const YAML::Node args = request["args"];
    const std::string op = args && args["op"] ? args["op"].as<std::string>() : "status";
    if (op == "start") return start(args);
    if (op == "stop") return active_ ? stop("stopped by request") : ControlReply::fail("no capture is running");
    if (op == "status") return status();
    return ControlReply::fail("capture: op must be start, stop or status");
  };
}

ControlReply CaptureControl::start(const YAML::Node& args) {
  if (active_) return ControlReply::fail("a capture is already running (" + file_ + "); stop it first");
  const std::string name = args["file"] ? args["file"].as<std::string>() : "";
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    return ControlReply::fail("capture: \"file\" must be a plain file name; it is written in " + dir_);
  const std::string filter = args["filter"] ? args["filter"].as<std::string>() : "";
  std::uint64_t max_bytes = args["max_bytes"] ? args["max_bytes"].as<std::uint64_t>() : kDefaultBytes;
  std::uint64_t max_s = args["max_seconds"] ? args["max_seconds"].as<std::uint64_t>() : kDefaultSeconds;
  if (max_bytes == 0 || max_bytes > kMaxBytes) return ControlReply::fail("capture: max_bytes must be 1 to 1GiB");
  if (max_s == 0 || max_s > kMaxSeconds) return ControlReply::fail("capture: max_seconds must be 1 to 3600");

  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  ::chmod(dir_.c_str(), 0750);
  const std::string path = dir_ + "/" + name;
  if (std::filesystem::exists(path, ec)) return ControlReply::fail("capture: " + path + " exists; pick another name");
  dead_ = pcap_open_dead(DLT_EN10MB, static_cast<int>(dp::kCaptureSnap));
  if (pcap_compile(dead_, &prog_, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    const std::string why = pcap_geterr(dead_);
    pcap_close(dead_);
    dead_ = nullptr;
    return ControlReply::fail("capture: bad filter \"" + filter + "\": " + why);
  }
  const mode_t old = ::umask(0137);  // captures hold traffic: owner and group only
  dumper_ = pcap_dump_open(dead_, path.c_str());
  ::umask(old);
  if (dumper_ == nullptr) {
    const std::string why = pcap_geterr(dead_);
    pcap_freecode(&prog_);
    pcap_close(dead_);
    dead_ = nullptr;
    return ControlReply::fail("capture: cannot write " + path + ": " + why);
  }
  file_ = path;
  filter_text_ = filter;
  max_bytes_ = max_bytes;
  bytes_ = packets_ = dropped_ = 0;
  ended_.clear();
  started_ = std::chrono::steady_clock::now();
  deadline_ = started_ + std::chrono::seconds(max_s);
  taps_.clear();
  for (std::uint32_t w = 0; w < hooks_.workers; ++w) {
    taps_.push_back(std::make_unique<dp::CaptureTap>(&prog_, kRingSlots));
    hooks_.install(w, taps_.back().get());
  }
  active_ = true;
  return status();
}

void CaptureControl::drain() {
  for (auto& tap : taps_) {
    tap->drain([&](const dp::CapturedFrame& f) {
      if (bytes_ >= max_bytes_) return;  // the bound holds even for frames already queued
      pcap_pkthdr h{};
      h.ts.tv_sec = static_cast<time_t>(f.ts_ns / 1'000'000'000ull);
      h.ts.tv_usec = static_cast<suseconds_t>((f.ts_ns % 1'000'000'000ull) / 1000);
      h.caplen = f.caplen;
      h.len = f.len;
      pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, f.data);
      bytes_ += 16 + f.caplen;
      ++packets_;
    });
  }
}

void CaptureControl::poll() {
  if (!active_) return;
  drain();
  if (bytes_ >= max_bytes_) stop("size limit reached");
  else if (std::chrono::steady_clock::now() >= deadline_) stop("time limit reached");
}

ControlReply CaptureControl::stop(const std::string& why) {
  for (std::uint32_t w = 0; w < hooks_.workers; ++w) hooks_.install(w, nullptr);
  // Wait until no worker can still hold a tap (they pass a quiescent state every loop).
  const std::uint64_t token = hooks_.grace_start();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool safe = hooks_.grace_done(token);
  while (!safe && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    safe = hooks_.grace_done(token);
  }
  drain();
  for (auto& tap : taps_) dropped_ += tap->dropped();
  if (safe) taps_.clear();
  else for (auto& tap : taps_) tap.release();  // a stalled worker may still touch it: leak, never free
  pcap_dump_close(dumper_);
  dumper_ = nullptr;
  if (safe) pcap_freecode(&prog_);  // the taps pointed at it
  pcap_close(dead_);
  dead_ = nullptr;
  active_ = false;
  ended_ = why;
  return status();
}

ControlReply CaptureControl::status() const {
  std::string out;
  proto::JsonWriter w(out);
  w.begin_object().field("running", active_).field("file", file_).field("filter", filter_text_);
  w.field("packets", packets_).field("bytes", bytes_).field("max_bytes", max_bytes_).field("dropped", dropped_);
  if (active_) {
    const auto now = std::chrono::steady_clock::now();
    w.field("elapsed_s", std::chrono::duration<double>(now - started_).count());
    w.field("remaining_s", std::chrono::duration<double>(deadline_ - now).count());
  } else if (!ended_.empty()) {
    w.field("ended", ended_);
  }
  w.end_object();
  return {true, out, {}};
}

}  // namespace fg::daemon
