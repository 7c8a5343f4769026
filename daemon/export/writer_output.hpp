// A RecordOutput that formats and writes at once: for the single-threaded modes (capture
// replay, libpcap bridge), where no ring and control thread sit in between, and so nothing
// can be lost however many PDUs one packet holds.
#pragma once

#include "daemon/export/record_writer.hpp"
#include "dataplane/app/records.hpp"

namespace fg::daemon {

class WriterOutput final : public dp::RecordOutput {
 public:
  explicit WriterOutput(RecordWriter& w) : w_(w) {}
  void audit(const dp::AuditEntry& e) noexcept override { w_.audit(e); }
  void event(const dp::EventEntry& e) noexcept override { w_.event(e); }

 private:
  RecordWriter& w_;
};

}  // namespace fg::daemon
