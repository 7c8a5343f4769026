#include "rules/anomaly/observation.hpp"

#include <algorithm>
#include <string_view>

#include "protocols/opcua/constants.hpp"
#include "protocols/s7comm/codes.hpp"

namespace fg::anomaly {

namespace {

void add_span(Observation& o, std::uint32_t lo, std::uint32_t count) noexcept {
  if (o.span_count >= Observation::kMaxSpans) return;
  o.spans[o.span_count++] = {lo, lo + (count > 0 ? count - 1 : 0)};
}

void add_tag(Observation& o, std::uint32_t tag) noexcept {
  for (int i = 0; i < o.tag_count; ++i)
    if (o.tags[i] == tag) return;
  if (o.tag_count < Observation::kMaxTags) o.tags[o.tag_count++] = tag;
}

void sides(const dp::AuditEntry& e, Observation& o) noexcept {
  const dp::PacketContext& c = e.ctx;
  o.client = o.request ? c.src : c.dst;
  o.server = o.request ? c.dst : c.src;
  o.server_port = o.request ? c.dport : c.sport;
  o.ip_proto = c.ip_proto;
  o.ts_ns = c.ts_ns;
}

bool modbus_obs(const modbus::Record& r, Observation& o) noexcept {
  o.proto = proto::Protocol::Modbus;
  o.request = !r.is_response;
  o.has_function = true;
  o.function = r.function;
  o.has_unit = true;
  o.unit = r.unit_id;
  o.error = r.has(modbus::kHasException);
  o.size = r.length + 6u;
  switch (r.function) {
    case 1: case 2: case 3: case 4: case 20: case 24: o.op = OpClass::Read; break;
    case 5: case 6: case 15: case 16: case 21: case 22: case 23: o.op = OpClass::Write; break;
    case 8: o.op = OpClass::Control; break;  // diagnostics can restart the device's communications
    default: o.op = OpClass::Other; break;
  }
  if (!o.request) return true;
  if (r.has(modbus::kHasReadWrite)) {
    add_span(o, r.read_address, r.read_quantity);
    add_span(o, r.write_address, r.write_quantity);
  } else if (r.has(modbus::kHasAddress)) {
    const bool counted = r.has(modbus::kHasBitCount) || r.has(modbus::kHasWordCount);
    add_span(o, r.address, counted ? r.quantity : 1);
  }
  if (o.op == OpClass::Write && r.value_count > 0 && r.function != 5 && r.function != 15) {
    std::uint16_t lo = 0xffff, hi = 0;
    for (std::size_t i = 0; i < r.value_count; ++i) {
      const std::uint16_t v = modbus::value_at(r, i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    o.has_values = true;
    o.value_min = lo;
    o.value_max = hi;
  }
  return true;
}

bool s7_obs(const s7comm::Record& r, Observation& o) noexcept {
  o.proto = proto::Protocol::S7comm;
  o.size = r.tpkt_length;
  if (r.protocol == proto::Protocol::S7commPlus) {
    if (!r.has_plus_opcode) return false;
    o.request = r.plus_opcode == s7comm::kPlusRequest;
    o.has_function = r.has_plus_function;
    o.function = kS7PlusBase | r.plus_function;  // kept apart from S7comm function codes
    o.op = OpClass::Other;
    return true;
  }
  if (!r.has_s7) return false;
  switch (r.rosctr) {
    case 1: o.request = true; break;                      // job
    case 2: case 3: o.request = false; break;             // ack, ack_data
    case 7: o.request = (r.userdata_type & 0x0f) == 4 || r.userdata_type == 4; break;  // userdata request
    default: return false;
  }
  o.error = r.has_error && (r.error_class != 0 || r.error_code != 0);
  if (r.has_function) {
    o.has_function = true;
    o.function = r.function;
  } else if (r.has_userdata) {
    o.has_function = true;
    o.function = kS7UserdataBase | (static_cast<std::uint32_t>(r.userdata_group & 0x0f) << 8) | r.userdata_subfunc;
  }
  switch (r.function) {
    case s7comm::kFuncReadVar: o.op = OpClass::Read; break;
    case s7comm::kFuncWriteVar: o.op = OpClass::Write; break;
    case s7comm::kFuncRequestDownload: case s7comm::kFuncDownloadBlock: case s7comm::kFuncDownloadEnded:
    case s7comm::kFuncStartUpload: case s7comm::kFuncUpload: case s7comm::kFuncEndUpload:
    case s7comm::kFuncPiService: case s7comm::kFuncPlcStop: o.op = OpClass::Control; break;
    default: o.op = OpClass::Other; break;
  }
  if (r.rosctr == 7) o.op = OpClass::Other;
  if (o.request) {
    for (int i = 0; i < r.items_len; ++i) {
      const s7comm::VarItem& it = r.items[i];
      if (it.syntax_id != s7comm::kSyntaxS7Any) continue;
      add_tag(o, (static_cast<std::uint32_t>(it.area) << 16) | it.db);
      add_span(o, it.address >> 3, std::max<std::uint32_t>(it.length, 1));
    }
  }
  return true;
}

bool opcua_obs(const dp::AuditEntry& e, const opcua::Record& r, Observation& o) noexcept {
  o.proto = proto::Protocol::Opcua;
  o.size = r.size;
  o.error = r.has_error;
  if (r.has_service) {
    const std::string_view name = opcua::service_name(r.service_id);
    o.request = name.ends_with("Request") || (name.empty() && e.ctx.dport < e.ctx.sport);
    o.has_function = true;
    o.function = r.service_id;
    if (name.find("Write") != std::string_view::npos) o.op = OpClass::Write;
    else if (name.find("Call") != std::string_view::npos) o.op = OpClass::Control;
    else if (name.find("Read") != std::string_view::npos || name.find("Browse") != std::string_view::npos)
      o.op = OpClass::Read;
    return true;
  }
  switch (r.msg_type) {
    case opcua::MsgType::Hel: o.request = true; return true;
    case opcua::MsgType::Ack: case opcua::MsgType::Err: o.request = false; return true;
    default: return false;  // chunks without a service (encrypted, or middle chunks): nothing to learn
  }
}

bool dnp3_obs(const dnp3::Record& r, Observation& o) noexcept {
  o.proto = proto::Protocol::Dnp3;
  o.size = r.length;
  if (!r.has_app) return false;
  o.request = r.app_function < 0x81;
  o.has_function = true;
  o.function = r.app_function;
  o.has_unit = true;
  o.unit = o.request ? r.link_dst : r.link_src;
  o.error = r.has_iin && (r.iin & 0x0007) != 0;  // IIN2: no func code support, object unknown, parameter error
  switch (r.app_function) {
    case 1: o.op = OpClass::Read; break;
    case 2: case 3: case 4: case 5: case 6: o.op = OpClass::Write; break;
    case 13: case 14: case 17: case 18: o.op = OpClass::Control; break;  // restarts, start/stop application
    default: o.op = OpClass::Other; break;
  }
  if (o.request) {
    for (int i = 0; i < r.object_count && i < dnp3::kMaxObjects; ++i) {
      const dnp3::ObjectHeader& h = r.objects[i];
      add_tag(o, (static_cast<std::uint32_t>(h.group) << 8) | h.variation);
      if (h.has_range && !h.range_is_count && h.stop >= h.start) add_span(o, h.start, h.stop - h.start + 1);
    }
  }
  return true;
}

}  // namespace

const char* section_name(proto::Protocol p) noexcept {
  switch (p) {
    case proto::Protocol::Modbus: case proto::Protocol::ModbusRtu: return "modbus";
    case proto::Protocol::S7comm: case proto::Protocol::S7commPlus: return "s7comm";
    case proto::Protocol::Opcua: return "opcua";
    case proto::Protocol::Dnp3: return "dnp3";
    default: return "none";
  }
}

bool observe(const dp::AuditEntry& e, Observation& out) noexcept {
  Observation o;
  bool ok = false;
  if (const auto* m = std::get_if<modbus::Record>(&e.record)) ok = modbus_obs(*m, o);
  else if (const auto* s = std::get_if<s7comm::Record>(&e.record)) ok = s7_obs(*s, o);
  else if (const auto* u = std::get_if<opcua::Record>(&e.record)) ok = opcua_obs(e, *u, o);
  else if (const auto* d = std::get_if<dnp3::Record>(&e.record)) ok = dnp3_obs(*d, o);
  if (!ok) return false;
  sides(e, o);
  out = o;
  return true;
}

}  // namespace fg::anomaly
