#include "daemon/export/record_writer.hpp"


#include "protocols/common/json_writer.hpp"
#include "protocols/common/wall_clock.hpp"

namespace fg::daemon {

namespace {
constexpr std::size_t kFlushBytes = 1 << 16;
}

void RecordWriter::audit(const dp::AuditEntry& e) {
  ++audit_count_;
  if (audit_ == nullptr) return;
  if (!audit_wanted(e, audit_level_)) {
    ++audit_filtered_;
    return;
  }
  format_audit(e, fc_, audit_buf_);
  if (audit_buf_.size() >= kFlushBytes) flush();
}

void RecordWriter::event(const dp::EventEntry& e) {
  ++event_count_;
  if (events_ == nullptr) return;
  format_event(e, fc_, event_buf_);
  if (event_buf_.size() >= kFlushBytes) flush();
}

void RecordWriter::control_event(const ControlEvent& e) {
  ++event_count_;
  if (events_ == nullptr) return;
  proto::JsonWriter w(event_buf_);
  w.begin_object();
  w.field("ts", format_time(proto::unix_now_ns()));
  w.field("event", e.event).field("name", e.name).field("severity", e.severity).field("detail", e.detail);
  w.end_object();
  if (!e.fields.empty()) {
    event_buf_.pop_back();  // the closing brace: the extra members go inside
    event_buf_ += "," + e.fields + "}";
  }
  event_buf_ += '\n';
  flush();  // rare and important: never left sitting in a buffer
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
