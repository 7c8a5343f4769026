// TCP tracking: handshake, mid-stream pickup, FIN/RST, window checks, port reuse.
#include <catch2/catch.hpp>

#include "dataplane/flow/server_port.hpp"
#include "dataplane/tcp/tcp_tracker.hpp"

using namespace fg::dp;

namespace {
PacketMeta seg(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
               std::uint16_t len = 0, std::uint16_t win = 65535) {
  PacketMeta m;
  m.l4 = L4::Tcp;
  m.ip_proto = 6;
  m.sport = sport;
  m.dport = dport;
  m.tcp_flags = flags;
  m.tcp_seq = seq;
  m.tcp_ack = ack;
  m.payload_len = len;
  m.tcp_window = win;
  return m;
}
}  // namespace

TEST_CASE("a three-way handshake establishes the flow") {
  Flow f;
  const auto syn = seg(40000, 502, kTcpSyn, 100, 0);
  tcp_open(f, syn, true);
  CHECK(f.client_is_lo);
  tcp_track(f, 0, syn);
  CHECK(f.tcp == TcpState::SynSent);
  tcp_track(f, 1, seg(502, 40000, kTcpSyn | kTcpAck, 900, 101));
  CHECK(f.tcp == TcpState::SynReceived);
  tcp_track(f, 0, seg(40000, 502, kTcpAck, 101, 901));
  CHECK(f.tcp == TcpState::Established);
  CHECK(f.dir[0].next_seq == 101);
  CHECK(f.dir[1].next_seq == 901);
}

namespace {
// Whether tcp_open on a mid-stream segment sport -> dport takes its sender as the server.
bool midstream_sender_is_server(std::uint16_t sport, std::uint16_t dport) {
  Flow f;
  tcp_open(f, seg(sport, dport, kTcpAck | kTcpPsh, 1, 1, 10), /*from_lo=*/true);
  return !f.client_is_lo;  // the sender is the lo endpoint
}
}  // namespace

TEST_CASE("a flow joined mid-stream prefers a known industrial server port over the lower port") {
  // A DNP3 master on ephemeral port 2902 talking to an outstation on 20000, both directions.
  CHECK_FALSE(midstream_sender_is_server(2902, 20000));
  CHECK(midstream_sender_is_server(20000, 2902));
  CHECK_FALSE(midstream_sender_is_server(1500, 4840));  // OPC UA from an XP-era ephemeral port
  CHECK(midstream_sender_is_server(44818, 3000));       // EtherNet/IP
  CHECK_FALSE(midstream_sender_is_server(80, 502));     // industrial beats the system-port rule
}

TEST_CASE("a flow joined mid-stream without an industrial port takes the lower port, system ports first") {
  CHECK(midstream_sender_is_server(443, 40000));
  CHECK(midstream_sender_is_server(1023, 1024));  // a system port before a registered one
  CHECK_FALSE(midstream_sender_is_server(40000, 443));
  CHECK_FALSE(midstream_sender_is_server(3000, 2000));
  CHECK(midstream_sender_is_server(2000, 3000));
  CHECK(midstream_sender_is_server(502, 20000));  // both industrial: the lower port
}

TEST_CASE("the port guess used for datagram flows too: same ports keep the first sender as client") {
  CHECK_FALSE(sender_is_server(2902, 20000));  // DNP3 over UDP from a low master port
  CHECK(sender_is_server(20000, 2902));        // an unsolicited response seen first
  CHECK_FALSE(sender_is_server(47808, 47808));  // BACnet peers: the first sender stays client
  static_assert(industrial_server_port(4840) && !industrial_server_port(4841));
}

TEST_CASE("a SYN-ACK acknowledging the wrong number raises an anomaly") {
  Flow f;
  const auto syn = seg(40000, 502, kTcpSyn, 100, 0);
  tcp_open(f, syn, true);
  tcp_track(f, 0, syn);
  const auto r = tcp_track(f, 1, seg(502, 40000, kTcpSyn | kTcpAck, 900, 555));
  REQUIRE(r.anomaly.kind != nullptr);
  CHECK(r.anomaly.kind->name == "tcp.bad_synack");
}

TEST_CASE("a flow joined mid-stream takes the lower port as the server") {
  Flow f;
  const auto data = seg(502, 40000, kTcpAck | kTcpPsh, 5000, 7000, 10);
  tcp_open(f, data, /*from_lo=*/false);
  CHECK(f.tcp == TcpState::Established);
  CHECK(f.client_is_lo);  // the sender (port 502) is the server, i.e. the hi endpoint here
  const auto r = tcp_track(f, 1, data);
  CHECK(r.reassemble);
  CHECK(f.dir[1].next_seq == 5000);
}

TEST_CASE("FIN from both sides closes the flow, and a new SYN restarts it") {
  Flow f;
  const auto syn = seg(40000, 502, kTcpSyn, 100, 0);
  tcp_open(f, syn, true);
  tcp_track(f, 0, syn);
  tcp_track(f, 1, seg(502, 40000, kTcpSyn | kTcpAck, 900, 101));
  tcp_track(f, 0, seg(40000, 502, kTcpAck, 101, 901));
  tcp_track(f, 0, seg(40000, 502, kTcpFin | kTcpAck, 101, 901));
  CHECK(f.tcp == TcpState::Closing);
  tcp_track(f, 1, seg(502, 40000, kTcpFin | kTcpAck, 901, 102));
  CHECK(f.tcp == TcpState::Closed);
  CHECK(tcp_track(f, 0, seg(40000, 502, kTcpSyn, 7777, 0)).restart);
}

TEST_CASE("a RST far outside the window is ignored as a likely injection") {
  Flow f;
  const auto syn = seg(40000, 502, kTcpSyn, 100, 0, 0, 1000);
  tcp_open(f, syn, true);
  tcp_track(f, 0, syn);
  tcp_track(f, 1, seg(502, 40000, kTcpSyn | kTcpAck, 900, 101, 0, 1000));
  tcp_track(f, 0, seg(40000, 502, kTcpAck, 101, 901, 0, 1000));
  const auto r = tcp_track(f, 1, seg(502, 40000, kTcpRst, 901 + 50000, 0));
  REQUIRE(r.anomaly.kind != nullptr);
  CHECK(r.anomaly.kind->name == "tcp.rst_out_of_window");
  CHECK(f.tcp == TcpState::Established);
  tcp_track(f, 1, seg(502, 40000, kTcpRst, 901, 0));
  CHECK(f.tcp == TcpState::Closed);
}

TEST_CASE("data far beyond the receiver's window is not reassembled") {
  Flow f;
  const auto syn = seg(40000, 502, kTcpSyn, 100, 0);
  tcp_open(f, syn, true);
  tcp_track(f, 0, syn);
  tcp_track(f, 1, seg(502, 40000, kTcpSyn | kTcpAck, 900, 101, 0, 2000));
  tcp_track(f, 0, seg(40000, 502, kTcpAck, 101, 901));
  const auto r = tcp_track(f, 0, seg(40000, 502, kTcpAck | kTcpPsh, 101 + 1'000'000, 901, 12));
  REQUIRE(r.anomaly.kind != nullptr);
  CHECK(r.anomaly.kind->name == "tcp.out_of_window");
  CHECK_FALSE(r.reassemble);
}
