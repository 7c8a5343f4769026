// Who decides each parsed PDU: the pipeline, against the rule set in force. The app layer asks
// while the packet that completed the PDU is still being processed, so the answer can still
// stop that packet.
#pragma once

#include "dataplane/flow/flow.hpp"
#include "protocols/dnp3/record.hpp"
#include "protocols/modbus/record.hpp"
#include "protocols/opcua/record.hpp"
#include "protocols/s7comm/record.hpp"
#include "rules/compiled/compiled_rules.hpp"

namespace fg::dp {

class PduJudge {
 public:
  // `response`: the PDU travels towards the client (a response, exception or unsolicited report).
  virtual rules::Decision judge(Flow& f, const modbus::Record& r, bool response) noexcept = 0;
  virtual rules::Decision judge(Flow& f, const s7comm::Record& r, bool response) noexcept = 0;
  virtual rules::Decision judge(Flow& f, const opcua::Record& r, bool response) noexcept = 0;
  virtual rules::Decision judge(Flow& f, const dnp3::Record& r, bool response) noexcept = 0;

 protected:
  ~PduJudge() = default;
};

}  // namespace fg::dp
