// libFuzzer target for the rule-file loader and compiler: any text either loads (and then
// checks, compiles and judges flows and PDUs without crashing) or yields diagnostics.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/check/shadow.hpp"
#include "rules/compiled/compile.hpp"
#include "rules/load/rule_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fg;
  const std::string text(reinterpret_cast<const char*>(data), size);
  rules::LoadedRules loaded;
  daemon::Diagnostics diag;
  rules::LoadOptions opt;
  opt.port_names = {"field", "plant"};
  const bool ok = rules::load_rules_text(text, "fuzz.yaml", opt, loaded, diag);
  if (ok != diag.empty()) __builtin_trap();
  for (const auto& d : diag.items())
    if (d.file != "fuzz.yaml" || d.message.empty()) __builtin_trap();
  if (!ok) return 0;
  (void)rules::find_unreachable(loaded.set);
  rules::RuleNames names;
  std::string error;
  rules::CompileOptions co;
  co.port_names = opt.port_names;
  auto set = rules::compile_rules(loaded.set, co, names, error);
  if (!set) return 0;
  // Judge a flow and one PDU of each protocol whose fields come from the input's bytes.
  rules::FlowTuple t;
  for (std::size_t i = 0; i < 16 && i < size; ++i) t.client.bytes[i] = data[i];
  for (std::size_t i = 0; i < 16 && 16 + i < size; ++i) t.server.bytes[i] = data[16 + i];
  t.server_port = size > 33 ? static_cast<std::uint16_t>(data[32] << 8 | data[33]) : 502;
  t.ip_proto = size > 34 ? data[34] : 6;
  t.client_if = size > 35 ? data[35] % 3 : 0;
  rules::FlowPolicy fp;
  set->judge_flow(t, fp);
  rules::MatchStats st;
  const std::uint8_t b = size > 0 ? data[size - 1] : 0;
  modbus::Record mb;
  mb.function = b;
  mb.address = static_cast<std::uint16_t>(b * 257);
  mb.quantity = b;
  mb.fields = b;
  mb.value_kind = modbus::ValueKind::Registers;
  mb.value_count = b;
  mb.data_len = b < 252 ? b : 252;
  (void)set->judge(mb, b & 1, fp, b, st);
  s7comm::Record s7;
  s7.has_s7 = s7.has_function = true;
  s7.function = b;
  s7.items_len = b % 40;
  (void)set->judge(s7, b & 2, fp, b, st);
  opcua::Record ua;
  ua.msg_type = static_cast<opcua::MsgType>(b % 7);
  ua.has_service = true;
  ua.service_id = b * 3u;
  (void)set->judge(ua, b & 4, fp, b, st);
  dnp3::Record dn;
  dn.has_app = true;
  dn.app_function = b;
  dn.object_count = b % 40;
  (void)set->judge(dn, b & 8, fp, b, st);
  return 0;
}
