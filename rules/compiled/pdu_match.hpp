// Whether one PDU satisfies a rule's field conditions, per protocol (docs/RULES.md says the
// semantics). Conditions on a single field (function, unit id, service, ...) need the field;
// conditions on what a PDU touches (addresses, values, objects, areas) must hold for every
// one it touches, and hold for a PDU that touches none. What cannot be checked (items the
// parser did not keep, DNP3 indexes carried as prefixes, an encrypted OPC UA service) is
// decided in the safe direction: an allow rule does not match, any other rule does.

#pragma once

#include <algorithm>
#include <cstdint>

#include "rules/compiled/compiled_rules.hpp"

namespace fg::rules {

// Whether an unverifiable item counts as matching this rule.
inline bool assume_match(const CompiledRule& rule) noexcept { return rule.action != dp::Action::Allow; }

// The section's 8-bit code checked through CompiledRule::codes; > 255 when the PDU has none.
inline std::uint32_t pdu_code(const modbus::Record& r) noexcept { return r.function; }
inline std::uint32_t pdu_code(const s7comm::Record& r) noexcept {
  if (r.protocol == proto::Protocol::S7commPlus) return r.has_plus_opcode ? r.plus_opcode : 0x100;
  return r.has_function ? r.function : 0x100;
}
inline std::uint32_t pdu_code(const opcua::Record& r) noexcept { return static_cast<std::uint32_t>(r.msg_type); }
inline std::uint32_t pdu_code(const dnp3::Record& r) noexcept { return r.app_function; }

inline bool fields_match(const CompiledRule& rule, const modbus::Record& r) noexcept {
  const ModbusCondition& c = rule.modbus;
  if (!c.unit_id.holds(r.unit_id)) return false;
  if (c.exception.set && !(r.has(modbus::kHasException) && c.exception.values.contains(r.exception))) return false;
  if (c.address.set || c.quantity.set) {
    // The spans of registers or coils the PDU touches: FC 23 has two; a response without an
    // address of its own touches what its paired request asked for.
    struct Span { std::uint16_t address, quantity; bool has_quantity; };
    Span spans[2];
    int n = 0;
    if (r.has(modbus::kHasReadWrite)) {
      spans[n++] = {r.read_address, r.read_quantity, true};
      spans[n++] = {r.write_address, r.write_quantity, true};
    } else if (r.has(modbus::kHasAddress)) {
      const bool q = r.has(modbus::kHasBitCount) || r.has(modbus::kHasWordCount);
      spans[n++] = {r.address, q ? r.quantity : std::uint16_t{1}, q};
    } else if (r.is_response && r.has(modbus::kHasRequest) && r.request_quantity > 0) {
      spans[n++] = {r.request_address, r.request_quantity, true};
    }
    for (int i = 0; i < n; ++i) {
      const Span& s = spans[i];
      const std::uint32_t last = std::min<std::uint32_t>(0xffff, std::uint32_t{s.address} + std::max<std::uint16_t>(s.quantity, 1) - 1);
      if (c.address.set && !c.address.values.contains_all(s.address, last)) return false;
      if (c.quantity.set && s.has_quantity && !c.quantity.values.contains(s.quantity)) return false;
    }
  }
  if (c.value.set)
    for (std::size_t i = 0; i < r.value_count; ++i)
      if (!c.value.values.contains(modbus::value_at(r, i))) return false;
  return true;
}

// Bytes one element of an S7ANY item occupies, by transport size (Wireshark's s7comm names).
constexpr std::uint32_t s7_element_bytes(std::uint8_t transport_size) noexcept {
  switch (transport_size) {
    case 0x04: case 0x05: case 0x1c: case 0x1d: return 2;  // WORD, INT, COUNTER, TIMER
    case 0x06: case 0x07: case 0x08: return 4;              // DWORD, DINT, REAL
    default: return 1;                                      // BIT, BYTE, CHAR, others
  }
}

inline bool fields_match(const CompiledRule& rule, const s7comm::Record& r) noexcept {
  if (r.protocol == proto::Protocol::S7commPlus) {
    const S7PlusCondition& c = rule.s7comm_plus;
    return !c.function.set || (r.has_plus_function && c.function.values.contains(r.plus_function));
  }
  const S7Condition& c = rule.s7comm;
  if (c.group.set && !(r.has_userdata && c.group.values.contains(r.userdata_group))) return false;
  if (c.subfunction.set && !(r.has_userdata && c.subfunction.values.contains(r.userdata_subfunc))) return false;
  if (c.area.set || c.db.set || c.address.set) {
    if (r.truncated && !assume_match(rule)) return false;  // items we did not keep
    const std::size_t n = std::min<std::size_t>(r.items_len, s7comm::kMaxItems);
    for (std::size_t i = 0; i < n; ++i) {
      const s7comm::VarItem& it = r.items[i];
      if (it.syntax_id != 0x10) {  // not S7ANY: no area/DB/address to check
        if (!assume_match(rule)) return false;
        continue;
      }
      if (!c.area.holds(it.area) || !c.db.holds(it.db)) return false;
      if (c.address.set) {
        const std::uint32_t first = it.address >> 3;
        const std::uint32_t bytes = it.transport_size == 0x01 ? 1 : std::max<std::uint32_t>(it.length, 1) * s7_element_bytes(it.transport_size);
        if (!c.address.values.contains_all(first, first + bytes - 1)) return false;
      }
    }
  }
  return true;
}

// OPC UA: HEL, ACK, ERR and RHE come before any secure channel and carry no service, mode or
// policy. A rule with such a condition matches them only when its msg_type names them (the
// code check already made sure it names this one): `{msg_type: [HEL, OPN, MSG, CLO], service:
// [...]}` admits the handshake, while `{action: reset, service: [write]}` must not reset every
// connection at its Hello. That is a field the PDU lacks, not one we cannot read, so it does
// not match whatever the action (assume_match is only for the unreadable). OPN and CLO carry
// one service each (OpenSecureChannel, CloseSecureChannel), readable or not; an MSG must show
// a readable service in the set, and an encrypted one is decided by assume_match. The security
// mode is negotiated by OPN: unknown there, it holds; on MSG and CLO it must be known and listed.
inline bool fields_match(const CompiledRule& rule, const opcua::Record& r) noexcept {
  const OpcuaCondition& c = rule.opcua;
  const bool channel = opcua::is_secure_message(r.msg_type);
  if (!channel) return c.msg_type.set || !(c.service.set || c.security_mode.set || c.security_policy.set);
  if (c.service.set) {
    if (r.msg_type == opcua::MsgType::Opn) {
      if (!c.service.values.contains(446) && !c.service.values.contains(449)) return false;
    } else if (r.msg_type == opcua::MsgType::Clo) {
      if (!c.service.values.contains(452) && !c.service.values.contains(455)) return false;
    } else if (!r.has_service) {
      if (!assume_match(rule)) return false;  // encrypted: the service cannot be seen
    } else if (r.service_ns != 0 || !c.service.values.contains(r.service_id)) {
      return false;
    }
  }
  if (c.security_mode.set) {
    const bool unknown = r.security_mode == opcua::SecurityMode::Unknown;
    if (unknown ? r.msg_type != opcua::MsgType::Opn
                : !c.security_mode.values.contains(static_cast<std::uint32_t>(r.security_mode)))
      return false;
  }
  if (c.security_policy.set && (r.security_policy == opcua::SecurityPolicy::Unknown ||
                                !c.security_policy.values.contains(static_cast<std::uint32_t>(r.security_policy))))
    return false;
  return true;
}

inline bool fields_match(const CompiledRule& rule, const dnp3::Record& r) noexcept {
  const Dnp3Condition& c = rule.dnp3;
  if (!c.object.set && !c.address.set) return true;
  if ((r.objects_truncated || r.objects_incomplete || r.objects_malformed) && !assume_match(rule)) return false;
  for (std::uint8_t i = 0; i < r.object_count && i < dnp3::kMaxObjects; ++i) {
    const dnp3::ObjectHeader& h = r.objects[i];
    if (c.object.set && !c.object.values.contains(std::uint32_t{h.group} << 8 | h.variation)) return false;
    if (!c.address.set || !h.has_range) continue;
    if (!h.range_is_count) {
      if (h.start > h.stop || !c.address.values.contains_all(h.start, h.stop)) return false;
    } else if (const int prefix = h.qualifier >> 4 & 7; prefix >= 1 && prefix <= 3) {
      // Indexes travel as prefixes of each object: not in the record, unchecked.
      if (!assume_match(rule)) return false;
    }
  }
  return true;
}

}  // namespace fg::rules
