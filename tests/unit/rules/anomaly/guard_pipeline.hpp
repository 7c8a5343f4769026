// A whole pipeline with an anomaly guard built from AnomalySettings, for the guard tests:
// frames go in one at a time, records and events are collected.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/pipeline/pipeline.hpp"
#include "rules/anomaly/dataplane_guard.hpp"
#include "tests/unit/rules/anomaly/anomaly_test_support.hpp"

namespace fg::anomaly::test {

struct GuardPipeline {
  Collect out;
  dp::PipelineConfig cfg;
  dp::Pipeline pipeline;
  std::uint64_t frame = 0;
  // `flows` also sizes the stream buffers and parser states (a sixteenth of it, at least 16).
  GuardPipeline(const AnomalySettings& s, std::uint32_t flows, dp::HolePolicy holes = dp::PipelineConfig{}.holes)
      : cfg(config(s, flows, holes)), pipeline(cfg, out) {}
  ~GuardPipeline() { cfg.anomaly.quarantine->store(nullptr); }
  GuardPipeline(const GuardPipeline&) = delete;
  GuardPipeline& operator=(const GuardPipeline&) = delete;

  static dp::PipelineConfig config(const AnomalySettings& s, std::uint32_t flows, dp::HolePolicy holes) {
    dp::PipelineConfig c;
    c.max_flows = flows;
    c.stream_buffers = flows / 128 < 16 ? 16 : flows / 128;
    c.app.states_per_protocol = c.stream_buffers;
    c.holes = holes;
    c.anomaly = make_guard_config(s);
    return c;
  }
  // Runs one frame through the pipeline; returns the packet with its verdict.
  dp::Packet send(std::vector<std::uint8_t> f, std::uint64_t ts) {
    dp::Packet p;
    p.data = f.data();
    p.len = static_cast<std::uint32_t>(f.size());
    p.ts_ns = ts;
    p.frame = ++frame;
    dp::Packet* ptr = &p;
    pipeline.process(&ptr, 1, ts);
    return p;
  }
};

}  // namespace fg::anomaly::test
