// Helpers of the anomaly tests: Ethernet/IPv4/TCP frames, Modbus PDUs, a collecting output,
// and audit entries made from Modbus requests.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/app/records.hpp"
#include "dataplane/pipeline/packet.hpp"

namespace fg::anomaly::test {

// 198.18.0.<src> : sport → 198.18.0.<dst> : dport.
inline std::vector<std::uint8_t> tcp_frame(std::uint8_t src, std::uint8_t dst, std::uint16_t sport, std::uint16_t dport,
                                           std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                           const std::vector<std::uint8_t>& payload = {}) {
  std::vector<std::uint8_t> f(54 + payload.size(), 0);
  const std::uint8_t head[] = {0x02, 0, 0, 0, 0, dst, 0x02, 0, 0, 0, 0, src, 0x08, 0x00};
  std::copy(std::begin(head), std::end(head), f.begin());
  std::uint8_t* ip = f.data() + 14;
  const std::uint16_t total = static_cast<std::uint16_t>(40 + payload.size());
  ip[0] = 0x45;
  ip[2] = static_cast<std::uint8_t>(total >> 8);
  ip[3] = static_cast<std::uint8_t>(total);
  ip[6] = 0x40;
  ip[8] = 64;
  ip[9] = 6;
  ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = src;
  ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = dst;
  std::uint8_t* tcp = ip + 20;
  tcp[0] = static_cast<std::uint8_t>(sport >> 8);
  tcp[1] = static_cast<std::uint8_t>(sport);
  tcp[2] = static_cast<std::uint8_t>(dport >> 8);
  tcp[3] = static_cast<std::uint8_t>(dport);
  for (int i = 0; i < 4; ++i) {
    tcp[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
    tcp[8 + i] = static_cast<std::uint8_t>(ack >> (24 - 8 * i));
  }
  tcp[12] = 0x50;
  tcp[13] = flags;
  tcp[14] = 0xff;
  tcp[15] = 0xff;
  std::copy(payload.begin(), payload.end(), f.begin() + 54);
  return f;
}

// A Modbus/TCP ADU: transaction id, unit, then the PDU bytes.
inline std::vector<std::uint8_t> modbus_adu(std::uint16_t tid, std::uint8_t unit, const std::vector<std::uint8_t>& pdu) {
  // Sized once and filled in place (GCC 12 misreads an insert after a 7-byte list as out of bounds).
  std::vector<std::uint8_t> a(7 + pdu.size());
  a[0] = static_cast<std::uint8_t>(tid >> 8);
  a[1] = static_cast<std::uint8_t>(tid);
  a[4] = static_cast<std::uint8_t>((pdu.size() + 1) >> 8);
  a[5] = static_cast<std::uint8_t>(pdu.size() + 1);
  a[6] = unit;
  std::copy(pdu.begin(), pdu.end(), a.begin() + 7);
  return a;
}

struct Collect final : dp::RecordOutput {
  std::vector<dp::AuditEntry> audits;
  std::vector<dp::EventEntry> events;
  void audit(const dp::AuditEntry& e) noexcept override { audits.push_back(e); }
  void event(const dp::EventEntry& e) noexcept override { events.push_back(e); }
  [[nodiscard]] int count(std::string_view name) const {
    int n = 0;
    for (const auto& e : events) n += e.anomaly.kind != nullptr && e.anomaly.kind->name == name;
    return n;
  }
};

inline dp::IpAddr ip(std::uint8_t last) {
  dp::IpAddr a{};
  a.bytes[10] = a.bytes[11] = 0xff;
  a.bytes[12] = 198;
  a.bytes[13] = 18;
  a.bytes[15] = last;
  return a;
}

// The audit entry of a Modbus request from 198.18.0.<client> to 198.18.0.<server>:502.
inline dp::AuditEntry modbus_request(std::uint8_t client, std::uint8_t server, std::uint64_t ts_ns, std::uint8_t unit,
                                     std::uint8_t function, std::uint16_t address, std::uint16_t quantity,
                                     std::vector<std::uint16_t> values = {}) {
  dp::AuditEntry e;
  e.ctx.ts_ns = ts_ns;
  e.ctx.src = ip(client);
  e.ctx.dst = ip(server);
  e.ctx.sport = 40000;
  e.ctx.dport = 502;
  e.ctx.ip_proto = 6;
  modbus::Record r;
  r.unit_id = unit;
  r.function = function;
  r.length = 6;
  r.address = address;
  r.quantity = quantity;
  r.set(modbus::kHasAddress);
  r.set(function == 1 || function == 2 || function == 5 || function == 15 ? modbus::kHasBitCount : modbus::kHasWordCount);
  if (!values.empty()) {
    r.value_kind = modbus::ValueKind::Registers;
    r.value_count = static_cast<std::uint16_t>(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      r.data[2 * i] = static_cast<std::uint8_t>(values[i] >> 8);
      r.data[2 * i + 1] = static_cast<std::uint8_t>(values[i]);
    }
    r.data_len = static_cast<std::uint8_t>(2 * values.size());
  }
  e.record = r;
  return e;
}

}  // namespace fg::anomaly::test
