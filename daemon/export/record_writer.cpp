#include "daemon/export/record_writer.hpp"

namespace fg::daemon {

namespace {
constexpr std::size_t kFlushBytes = 1 << 16;
}

void RecordWriter::audit(const dp::AuditEntry& e) {
  ++audit_count_;
  if (audit_ == nullptr) return;
  format_audit(e, fc_, audit_buf_);
  if (audit_buf_.size() >= kFlushBytes) flush();
}

void RecordWriter::event(const dp::EventEntry& e) {
  ++event_count_;
  if (events_ == nullptr) return;
  format_event(e, fc_, event_buf_);
  if (event_buf_.size() >= kFlushBytes) flush();
}

void RecordWriter::flush() {
  if (audit_ != nullptr) {
    audit_->write(audit_buf_);
    audit_->flush();
  }
  if (events_ != nullptr) {
    events_->write(event_buf_);
    events_->flush();
  }
  audit_buf_.clear();
  event_buf_.clear();
}

}  // namespace fg::daemon
