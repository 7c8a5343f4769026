// libFuzzer target for the whole pipeline: the input is a sequence of frames (2-byte length,
// then the bytes), run in bursts through decode, flows, TCP reassembly, every parser and the
// logging.audit filter and JSON formatting of what they report, as a replay would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/export/audit_filter.hpp"
#include "daemon/export/record_format.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace {

class FormattingOutput final : public fg::dp::RecordOutput {
 public:
  void audit(const fg::dp::AuditEntry& e) noexcept override {
    // Every level: `changes` classifies each protocol's record (rules/anomaly/observation).
    kept += fg::daemon::audit_wanted(e, fg::daemon::AuditLevel::Changes);
    kept += fg::daemon::audit_wanted(e, fg::daemon::AuditLevel::Flagged);
    line.clear();
    fg::daemon::format_audit(e, {}, line);
  }
  void event(const fg::dp::EventEntry& e) noexcept override {
    line.clear();
    fg::daemon::format_event(e, {}, line);
  }
  std::string line;
  std::uint64_t kept = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg::dp;
  static FormattingOutput out;
  PipelineConfig cfg;
  cfg.max_flows = 64;        // small, so eviction and pool exhaustion are reached too
  cfg.stream_buffers = 4;
  cfg.app.states_per_protocol = 4;
  cfg.app.modbus_rtu_ports = {4001};
  cfg.holes = (size & 1) ? HolePolicy::Skip : HolePolicy::Wait;
  Pipeline pipeline(cfg, out);

  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t off = 0;
  while (off + 2 <= size && frames.size() < 256) {
    const std::size_t len = (std::size_t{data[off]} << 8 | data[off + 1]) % 2048;
    off += 2;
    const std::size_t take = len < size - off ? len : size - off;
    frames.emplace_back(data + off, data + off + take);  // exact-size buffers: ASan sees overreads
    off += take;
  }
  std::vector<Packet> pkts(frames.size());
  std::vector<Packet*> ptrs;
  std::uint64_t now = 1'000'000'000;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    pkts[i].data = frames[i].data();
    pkts[i].len = static_cast<std::uint32_t>(frames[i].size());
    pkts[i].frame = i + 1;
    pkts[i].ts_ns = now;
    ptrs.push_back(&pkts[i]);
  }
  for (std::size_t i = 0; i < ptrs.size(); i += 8) {
    const auto n = static_cast<std::uint16_t>(ptrs.size() - i < 8 ? ptrs.size() - i : 8);
    pipeline.process(ptrs.data() + i, n, now);
    now += 3'000'000'000ull;  // time moves, so timeouts fire too
    pipeline.housekeeping(now);
  }
  return 0;
}
