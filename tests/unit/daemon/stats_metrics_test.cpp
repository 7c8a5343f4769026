// The stats answer and the Prometheus text come from one StatsDetail and agree; the metrics
// endpoint answers GET /metrics over a real TCP connection.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "daemon/control/stats_detail.hpp"
#include "daemon/metrics/metrics_server.hpp"

using namespace fg::daemon;

namespace {

StatsDetail sample() {
  StatsDetail d;
  d.total.packets_in = 100;
  d.total.forwarded = 90;
  d.total.dropped = 10;
  d.total.dropped_by[static_cast<int>(fg::dp::DropReason::Policy)] = 10;
  d.total.pdus[static_cast<int>(fg::proto::Protocol::Modbus)] = 42;
  WorkerRow w;
  w.id = 0;
  w.packets_in = 100;
  w.overload_bypassed = 7;
  d.workers.push_back(w);
  d.ports.push_back({"fie\"ld", 60, 40, 0, 0, 3, 0, 0});
  return d;
}

}  // namespace

TEST_CASE("stats JSON holds totals, per worker, per port and overload counters") {
  const YAML::Node j = YAML::Load(stats_json(sample()));
  CHECK(j["packets_in"].as<int>() == 100);
  CHECK(j["dropped_by"]["policy"].as<int>() == 10);
  CHECK(j["pdus"]["modbus"].as<int>() == 42);
  CHECK(j["workers"][0]["packets_in"].as<int>() == 100);
  CHECK(j["ports"][0]["name"].as<std::string>() == "fie\"ld");
  CHECK(j["ports"][0]["rx_missed"].as<int>() == 3);
  CHECK(j["overload"]["bypassed"].as<int>() == 7);
  CHECK_FALSE(j["syslog"]);
}

TEST_CASE("Prometheus text: HELP and TYPE per family, labels escaped, same numbers") {
  const std::string t = stats_prometheus(sample(), 12.5);
  CHECK(t.find("# TYPE fieldguard_packets_total counter\nfieldguard_packets_total 100\n") != std::string::npos);
  CHECK(t.find("fieldguard_dropped_packets_total{reason=\"policy\"} 10\n") != std::string::npos);
  CHECK(t.find("fieldguard_pdus_total{protocol=\"modbus\"} 42\n") != std::string::npos);
  CHECK(t.find("fieldguard_port_rx_missed_total{port=\"fie\\\"ld\"} 3\n") != std::string::npos);
  CHECK(t.find("fieldguard_overload_packets_total{worker=\"0\",policy=\"open\"} 7\n") != std::string::npos);
  CHECK(t.find("fieldguard_uptime_seconds 12.5\n") != std::string::npos);
  const auto flat = stats_flat(sample());
  bool found = false;
  for (const auto& [k, v] : flat) found |= k == "port_fie_ld_rx_packets" && v == 60;
  CHECK(found);
}

TEST_CASE("the metrics endpoint answers GET /metrics and refuses other paths") {
  MetricsServer m;
  std::string err;
  REQUIRE(m.open("127.0.0.1:0", err));
  REQUIRE(m.port() > 0);
  auto get = [&](const std::string& req) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(m.port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::send(fd, req.data(), req.size(), 0);
    std::string reply;
    for (int i = 0; i < 200 && reply.find("\r\n\r\n") == std::string::npos; ++i) {
      m.poll([] { return std::string("fieldguard_up 1\n"); });
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (int i = 0; i < 20; ++i) {
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) reply.append(buf, static_cast<std::size_t>(n));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::close(fd);
    return reply;
  };
  const std::string ok = get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(ok.find("text/plain; version=0.0.4") != std::string::npos);
  CHECK(ok.substr(ok.size() - 16) == "fieldguard_up 1\n");
  CHECK(get("GET /secret HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0) == 0);
  MetricsServer bad;
  CHECK_FALSE(bad.open("localhost:9310", err));
  CHECK(err.find("not an IP address") != std::string::npos);
}
