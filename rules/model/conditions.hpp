// The protocol conditions of a rule, shared by the rule model and the compiled matcher.
#pragma once

#include <cstdint>

#include "rules/model/range_set.hpp"

namespace fg::rules {

// Which protocol's PDUs a rule judges; None = the rule judges flows (L3/L4 only).
enum class Section : std::uint8_t { None, Modbus, S7comm, S7commPlus, Opcua, Dnp3 };
inline constexpr int kSectionCount = 6;

// Which PDUs of its protocol a rule judges: sent towards the server (requests, the default),
// towards the client (responses, exceptions, unsolicited DNP3), or both.
enum class PduDirection : std::uint8_t { Request, Response, Any };

struct ModbusCondition {
  FieldCondition function, unit_id, address, quantity, value, exception;
};
struct S7Condition {
  FieldCondition function, area, db, address, group, subfunction;
};
struct S7PlusCondition {
  FieldCondition opcode, function;
};
struct OpcuaCondition {
  FieldCondition service, msg_type, security_mode, security_policy;
};
struct Dnp3Condition {
  FieldCondition function;
  FieldCondition object;   // group << 8 | variation; "g:*" adds the 256 variations of g
  FieldCondition address;  // point indexes the object headers name
};

}  // namespace fg::rules
