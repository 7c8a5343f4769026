// The decode stage: turns one raw frame into a PacketMeta (L2/VLAN, IPv4/IPv6, TCP/UDP/ICMP).
#pragma once

#include <cstdint>
#include <string_view>

#include "dataplane/decode/packet_meta.hpp"

namespace fg::dp {

// Decodes one frame. Never reads outside [data, data+len). Returns m.error == DecodeError::None
// on success.
//
// Runs once per packet on the worker lcores: no allocation, no exceptions, no syscalls. `m` is
// fully overwritten (callers may reuse it across packets). On an error the fields decoded
// before the faulty header stay filled in, so an event can still name addresses and ports.
//
// Beyond the field comments in packet_meta.hpp:
// - `ethertype` is also set for link types without one (NULL/LOOP/raw IP: 0x0800 or 0x86DD),
//   so later stages can switch on it whatever the capture's link type.
// - For ARP over Ethernet/IPv4, `src`/`dst` are the sender/target protocol addresses.
// - `l4_offset` is where the IP payload starts even when no L4 header is parsed (non-first
//   fragments, unknown protocols, ESP).
//
// Out of line on purpose: the helpers it is built from are inline headers (ip_decode.hpp,
// l4_decode.hpp) and compile into this one function, but inlining decode itself into the
// caller (tried with LTO) gained nothing measurable in bench/decode_bench.cpp.
void decode(const std::uint8_t* data, std::uint32_t len, LinkType link, PacketMeta& m) noexcept;

namespace detail {
// decode without its fast path for the common frame (untagged Ethernet, plain IPv4, TCP or
// UDP): tests and the decode fuzz target check that both give the same PacketMeta.
void decode_general(const std::uint8_t* data, std::uint32_t len, LinkType link, PacketMeta& m) noexcept;
}  // namespace detail

// Event/counter name of a decode error, e.g. "decode.truncated_l3"; "decode.ok" for None.
std::string_view decode_error_name(DecodeError e) noexcept;

}  // namespace fg::dp
