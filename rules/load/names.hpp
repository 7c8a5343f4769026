// The names rules may use for protocol codes (functions, services, areas, ...), each with
// its number. docs/RULES.md lists them; numbers are always accepted as well.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace fg::rules {

struct CodeName {
  std::string_view name;
  std::uint32_t code;
};

std::span<const CodeName> modbus_functions();
std::span<const CodeName> modbus_exceptions();
std::span<const CodeName> s7comm_functions();
std::span<const CodeName> s7comm_areas();
std::span<const CodeName> s7comm_userdata_groups();
std::span<const CodeName> dnp3_functions();
std::span<const CodeName> opcua_msg_types();
std::span<const CodeName> opcua_security_modes();
std::span<const CodeName> opcua_security_policies();

// OPC UA services by snake_case name ("read", "create_session"): each name stands for its
// request and its response encoding id, so one name serves rules on either direction.
struct ServiceIds {
  std::string_view name;
  std::uint32_t request_id;
  std::uint32_t response_id;
};
const std::vector<ServiceIds>& opcua_services();

}  // namespace fg::rules
