// libFuzzer target for the management control commands: flows (arguments → filter → a real
// flow table), events/audit tails and capture (BPF filters compiled by libpcap). Every
// request line gets one JSON answer and never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "daemon/control/capture_control.hpp"
#include "daemon/control/control_api.hpp"
#include "daemon/control/flow_command.hpp"
#include "daemon/control/tail_command.hpp"

namespace {

struct NoRelease final : fg::dp::FlowReleaser {
  void release(fg::dp::Flow&) noexcept override {}
};

struct Harness {
  NoRelease releaser;
  fg::dp::FlowTable table{64, {}, &releaser};
  fg::daemon::JsonlFile events;
  fg::daemon::ControlState state;
  std::unique_ptr<fg::daemon::CaptureControl> capture;
  std::string dir = "/tmp/fg-control-fuzz-" + std::to_string(::getpid());
  Harness() {
    using namespace fg::daemon;
    std::filesystem::create_directories(dir);
    StreamOptions o;
    o.chain = true;
    events.open(dir + "/events.jsonl", o);
    events.write("{\"event\":\"alert\",\"name\":\"policy.acl_match\"}\n{\"event\":\"anomaly\"}\n");
    state.status = [] { return StatusInfo{}; };
    state.stats = [] { return RunSummary{}; };
    register_flow_command(
        state,
        [this](const fg::dp::FlowRequest& req, std::vector<WorkerFlows>& out, std::string&) {
          WorkerFlows wf;
          wf.flows.resize(req.max);
          wf.flows.resize(fg::dp::query_flows(table, req.filter, req.order, wf.flows.data(), req.max, wf.matched));
          out.push_back(std::move(wf));
          return true;
        },
        [] { return std::uint64_t{0}; }, FormatContext{});
    register_tail_command(state, "events", &events);
    register_tail_command(state, "audit", nullptr);
    CaptureHooks h;
    h.install = [](std::uint32_t, fg::dp::CaptureTap*) {};
    h.grace_start = [] { return std::uint64_t{0}; };
    h.grace_done = [](std::uint64_t) { return true; };
    capture = std::make_unique<CaptureControl>(dir + "/captures", h);
    capture->register_command(state);
  }
  ~Harness() {
    capture.reset();
    events.close();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness h;
  const std::string line(reinterpret_cast<const char*>(data), size);
  const std::string reply = fg::daemon::handle_control_request(line, h.state);
  if (reply.empty() || reply.front() != '{' || reply.back() != '}') __builtin_trap();
  // A capture the input started must not outlive it (nor its file the next input).
  (void)fg::daemon::handle_control_request(R"({"v":1,"cmd":"capture","args":{"op":"stop"}})", h.state);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(h.dir + "/captures", ec)) std::filesystem::remove(e.path(), ec);
  return 0;
}
