#include "rules/load/names.hpp"

#include <string>

#include "protocols/modbus/function_codes.hpp"
#include "protocols/opcua/constants.hpp"

namespace fg::rules {

namespace {

// Modbus Application Protocol V1.1b3 section 7.
constexpr CodeName kModbusExceptions[] = {
    {"illegal_function", 1}, {"illegal_data_address", 2}, {"illegal_data_value", 3},
    {"server_device_failure", 4}, {"acknowledge", 5}, {"server_device_busy", 6},
    {"memory_parity_error", 8}, {"gateway_path_unavailable", 10},
    {"gateway_target_failed_to_respond", 11},
};

// S7comm job functions (protocols/s7comm/codes.hpp; Wireshark's s7comm dissector names).
constexpr CodeName kS7Functions[] = {
    {"cpu_services", 0x00}, {"read_var", 0x04}, {"write_var", 0x05},
    {"request_download", 0x1a}, {"download_block", 0x1b}, {"download_ended", 0x1c},
    {"start_upload", 0x1d}, {"upload", 0x1e}, {"end_upload", 0x1f},
    {"pi_service", 0x28}, {"plc_stop", 0x29}, {"setup", 0xf0}, {"setup_communication", 0xf0},
};

// S7ANY item areas (Wireshark s7comm: item.area).
constexpr CodeName kS7Areas[] = {
    {"sysinfo", 0x03}, {"sysflags", 0x05}, {"analog_inputs", 0x06}, {"analog_outputs", 0x07},
    {"counter", 0x1c}, {"timer", 0x1d}, {"iec_counter", 0x1e}, {"iec_timer", 0x1f},
    {"peripheral", 0x80}, {"inputs", 0x81}, {"outputs", 0x82}, {"flags", 0x83}, {"db", 0x84},
    {"di", 0x85}, {"local", 0x86}, {"v", 0x87},
};

// S7comm userdata function groups (Wireshark s7comm: param.userdata.funcgroup).
constexpr CodeName kS7Groups[] = {
    {"mode_transition", 0x0}, {"programmer", 0x1}, {"cyclic_data", 0x2}, {"block_functions", 0x3},
    {"cpu_functions", 0x4}, {"security", 0x5}, {"pbc", 0x6}, {"time_functions", 0x7},
    {"nc_programming", 0xf},
};

// IEEE 1815-2012 table 4-1 (application layer function codes).
constexpr CodeName kDnp3Functions[] = {
    {"confirm", 0}, {"read", 1}, {"write", 2}, {"select", 3}, {"operate", 4},
    {"direct_operate", 5}, {"direct_operate_no_ack", 6}, {"immediate_freeze", 7},
    {"immediate_freeze_no_ack", 8}, {"freeze_clear", 9}, {"freeze_clear_no_ack", 10},
    {"freeze_at_time", 11}, {"freeze_at_time_no_ack", 12}, {"cold_restart", 13},
    {"warm_restart", 14}, {"initialize_data", 15}, {"initialize_application", 16},
    {"start_application", 17}, {"stop_application", 18}, {"save_configuration", 19},
    {"enable_unsolicited", 20}, {"disable_unsolicited", 21}, {"assign_class", 22},
    {"delay_measure", 23}, {"record_current_time", 24}, {"open_file", 25}, {"close_file", 26},
    {"delete_file", 27}, {"get_file_info", 28}, {"authenticate_file", 29}, {"abort_file", 30},
    {"activate_config", 31}, {"authenticate_request", 32}, {"authenticate_request_no_ack", 33},
    {"response", 129}, {"unsolicited_response", 130}, {"authenticate_response", 131},
};

// OPC UA Part 6 §7.1.2.2; numbers are the opcua::MsgType enumerators.
constexpr CodeName kOpcuaMsgTypes[] = {
    {"HEL", 0}, {"ACK", 1}, {"ERR", 2}, {"RHE", 3}, {"OPN", 4}, {"MSG", 5}, {"CLO", 6},
};

// OPC UA Part 4 MessageSecurityMode; numbers are the opcua::SecurityMode enumerators.
constexpr CodeName kOpcuaModes[] = {{"none", 1}, {"sign", 2}, {"sign_and_encrypt", 3}};

// OPC UA Part 7 policy URI suffixes; numbers are the opcua::SecurityPolicy enumerators.
constexpr CodeName kOpcuaPolicies[] = {
    {"None", 1}, {"Basic128Rsa15", 2}, {"Basic256", 3}, {"Basic256Sha256", 4},
    {"Aes128_Sha256_RsaOaep", 5}, {"Aes256_Sha256_RsaPss", 6}, {"other", 7},
};

std::vector<CodeName> make_modbus_functions() {
  std::vector<CodeName> out;
  for (const auto& f : modbus::kPublicFunctions) out.push_back({f.name, f.code});
  return out;
}

// "CreateSessionRequest" -> "create_session".
std::string snake_service(std::string_view type_name) {
  std::string_view base = type_name.substr(0, type_name.size() - std::string_view("Request").size());
  std::string out;
  for (std::size_t i = 0; i < base.size(); ++i) {
    const char c = base[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::span<const CodeName> modbus_functions() {
  static const std::vector<CodeName> kTable = make_modbus_functions();
  return kTable;
}
std::span<const CodeName> modbus_exceptions() { return kModbusExceptions; }
std::span<const CodeName> s7comm_functions() { return kS7Functions; }
std::span<const CodeName> s7comm_areas() { return kS7Areas; }
std::span<const CodeName> s7comm_userdata_groups() { return kS7Groups; }
std::span<const CodeName> dnp3_functions() { return kDnp3Functions; }
std::span<const CodeName> opcua_msg_types() { return kOpcuaMsgTypes; }
std::span<const CodeName> opcua_security_modes() { return kOpcuaModes; }
std::span<const CodeName> opcua_security_policies() { return kOpcuaPolicies; }

const std::vector<ServiceIds>& opcua_services() {
  // Names must outlive the table: keep the strings in a static vector built once.
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& s : opcua::kServices) {
      const std::string_view n = s.name;
      if (n.size() > 7 && n.substr(n.size() - 7) == "Request") names.push_back(snake_service(n));
    }
    return names;
  }();
  static const std::vector<ServiceIds> kTable = [] {
    std::vector<ServiceIds> out;
    std::size_t k = 0;
    for (const auto& s : opcua::kServices) {
      const std::string_view n = s.name;
      if (n.size() <= 7 || n.substr(n.size() - 7) != "Request") continue;
      // The response encoding is the next standard id with the same stem.
      std::uint32_t response = 0;
      const std::string stem(n.substr(0, n.size() - 7));
      for (const auto& t : opcua::kServices)
        if (std::string_view(t.name) == stem + "Response") response = t.id;
      out.push_back({kNames[k++], s.id, response});
    }
    return out;
  }();
  return kTable;
}

}  // namespace fg::rules
