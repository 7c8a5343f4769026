// The `tunnel:` config section and the SA key file: values, errors with line:column, the
// permission check, and that keys never appear in diagnostics.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "daemon/config/config_loader.hpp"
#include "daemon/config/tunnel_config.hpp"

using namespace fg::daemon;

namespace {

const std::string kKey = "0x" + std::string(64, 'a') + "01020304";

std::string temp_file(const std::string& text, mode_t mode) {
  char path[] = "/tmp/fg-sa-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  chmod(path, mode);
  return path;
}

}  // namespace

TEST_CASE("the tunnel section fills the tunnel settings") {
  Config c;
  Diagnostics d;
  REQUIRE(load_config_text(R"(
tunnel:
  local: 198.18.0.254
  local_mac: "02:00:00:00:00:fe"
  remote: 198.18.9.1
  next_hop: 198.18.0.1
  next_hop_mac: "02:00:00:00:00:01"
  south_mac: "02:00:00:00:00:02"
  mtu: 1400
  rekey_grace: 45s
  sa_file: /etc/fieldguard/sas.yaml
  selectors:
    - {src: 198.18.0.0/24, dst: 198.18.1.0/24, proto: tcp}
    - {dst: any}
)", "t.yaml", c, d));
  const auto& s = c.tunnel.settings;
  CHECK(c.tunnel.enabled);
  CHECK(s.local_ip == 0xc61200fe);
  CHECK(s.remote_ip == 0xc6120901);
  CHECK(s.next_hop_ip == 0xc6120001);
  CHECK(s.local_mac[5] == 0xfe);
  REQUIRE(s.next_hop_mac);
  CHECK((*s.next_hop_mac)[5] == 0x01);
  CHECK(s.mtu == 1400);
  CHECK(s.rekey_grace_ns == 45'000'000'000ull);
  CHECK(c.tunnel.sa_file == "/etc/fieldguard/sas.yaml");
  REQUIRE(s.selectors.size() == 2);
  CHECK(s.selectors[0].ip_proto == 6);
  CHECK(s.selectors[1].ip_proto == 0);
}

TEST_CASE("tunnel section errors name the line and column") {
  Config c;
  Diagnostics d;
  CHECK_FALSE(load_config_text("tunnel:\n  local: 198.18.0.300\n  remote: 198.18.9.1\n  selector: []\n", "t.yaml", c, d));
  const std::string s = d.str();
  CHECK(s.find("t.yaml:2:10: error: tunnel.local: expected an IPv4 address") != std::string::npos);
  CHECK(s.find("t.yaml:4:3: error: tunnel: unknown key \"selector\" (did you mean \"selectors\"?)") != std::string::npos);
  Diagnostics d2;
  CHECK_FALSE(load_config_text("tunnel: {remote: 198.18.9.1}\n", "t.yaml", c, d2));
  CHECK(d2.str().find("missing \"local\"") != std::string::npos);
}

TEST_CASE("an SA file is read into specs: SPI, direction, key and salt, ESN") {
  std::vector<fg::esp::SaSpec> sas;
  Diagnostics d;
  REQUIRE(read_sa_text("sas:\n  - {spi: 0x1001, direction: out, key: \"" + kKey + "\"}\n  - {spi: 8193, direction: in, key: \"" +
                           kKey.substr(2) + "\", esn: false}\n",
                       "sas.yaml", sas, d));
  REQUIRE(sas.size() == 2);
  CHECK(sas[0].spi == 0x1001);
  CHECK(sas[0].dir == fg::esp::Direction::Out);
  CHECK(sas[0].esn);
  CHECK(sas[0].key[0] == 0xaa);
  CHECK(sas[0].salt == std::array<std::uint8_t, 4>{1, 2, 3, 4});
  CHECK(sas[1].spi == 8193);
  CHECK_FALSE(sas[1].esn);
}

TEST_CASE("bad SA entries are errors with line:column, and never echo the key") {
  std::vector<fg::esp::SaSpec> sas;
  Diagnostics d;
  const std::string secret = "0x" + std::string(70, 'b');  // one byte short
  CHECK_FALSE(read_sa_text("sas:\n  - {spi: 7, direction: sideways, key: \"" + secret + "\"}\n", "sas.yaml", sas, d));
  const std::string s = d.str();
  CHECK(s.find("sas.yaml:2:11: error: sas[0].spi: expected an SPI from 256") != std::string::npos);
  CHECK(s.find("sas[0].direction: expected in or out") != std::string::npos);
  CHECK(s.find("sas[0].key: expected 72 hex digits") != std::string::npos);
  CHECK(s.find("bbbbbbbb") == std::string::npos);
  CHECK(sas.empty());
}

TEST_CASE("an SA key file readable by group or others is refused; 0600 is read") {
  const std::string text = "sas:\n  - {spi: 0x1001, direction: out, key: \"" + kKey + "\"}\n";
  std::vector<fg::esp::SaSpec> sas;
  for (mode_t bad : {0640, 0604, 0660, 0644}) {
    const std::string path = temp_file(text, bad);
    Diagnostics d;
    CHECK_FALSE(read_sa_file(path, sas, d));
    CHECK(d.str().find("group and others must have no access") != std::string::npos);
    std::remove(path.c_str());
  }
  const std::string path = temp_file(text, 0600);
  Diagnostics d;
  CHECK(read_sa_file(path, sas, d));
  CHECK(sas.size() == 1);
  std::remove(path.c_str());
}
