// The certificate identity service end to end on loopback: a real OpenSSL client presents
// device certificates; every refusal reason gets its own answer and its own event text, an
// admission publishes a lease to the dataplane table, and revocation (command or CRL) and
// expiry end it.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "crypto/identity/identity_service.hpp"
#include "daemon/identity/identity_authority.hpp"
#include "identity_test_pki.hpp"

using namespace fg;

namespace {

// One admission request with a real OpenSSL client; returns the answer line ("" when the
// TLS handshake failed).
std::string request(std::uint16_t port, const test::TestPki& pki, const std::string& device,
                    const std::string& line = "FGID/1 ADMIT\n") {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_load_verify_locations(ctx, pki.path("ca.pem").c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!device.empty()) {
    SSL_CTX_use_certificate_file(ctx, pki.path(device + ".pem").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx, pki.path(device + ".key").c_str(), SSL_FILETYPE_PEM);
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "fieldguard-gateway");
    if (SSL_connect(ssl) == 1) {
      SSL_write(ssl, line.data(), static_cast<int>(line.size()));
      char buf[256];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
    }
    SSL_free(ssl);
  }
  ::close(fd);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return answer;
}

dp::IpAddr ip(const char* s) {
  dp::IpAddr a;
  rules::parse_ip(s, a);
  return a;
}

struct Rig {
  test::TestPki pki;
  dp::RcuDomain rcu{1};
  dp::Snapshot<dp::IdentityTable> table{rcu};
  std::uint64_t dp_now = 1'000'000'000;
  daemon::IdentitySettings settings;
  std::unique_ptr<daemon::IdentityAuthority> authority;
  crypto::IdentityService service;
  std::string serial_good, serial_revoked;

  explicit Rig(std::uint64_t lease_ns = 60'000'000'000ull) {
    serial_good = pki.device("good", "rtu-7");
    pki.device("expired", "rtu-7", -2 * 86400, 86400);
    pki.device("future", "rtu-7", 86400, 86400);
    pki.device("rogue", "rtu-7", -60, 86400, true);
    serial_revoked = pki.device("revoked", "rtu-7");
    pki.device("server_eku", "rtu-7", -60, 86400, false, true);
    pki.device("ghost", "ghost-1");
    pki.device("plc", "plc-3");
    pki.crl({serial_revoked});

    rules::Inventory inv;
    rules::Device rtu;
    rtu.id = "rtu-7";
    rtu.identity = rules::IdentityKind::Certificate;
    rtu.ips = {ip("127.0.0.1")};
    inv.devices.push_back(rtu);
    rules::Device plc;
    plc.id = "plc-3";
    plc.ips = {ip("198.18.0.3")};
    inv.devices.push_back(plc);

    settings.enabled = true;
    settings.lease_ns = lease_ns;
    settings.ca = pki.path("ca.pem");
    settings.crl = pki.path("crl.pem");
    settings.server_cert = pki.path("server.pem");
    settings.server_key = pki.path("server.key");
    // The kernel's neighbour table has no MAC for loopback: the test names the one it
    // would hold (the lookup is the authority's injection point for this).
    authority = std::make_unique<daemon::IdentityAuthority>(
        settings, inv, table, [this] { return dp_now; },
        [](const dp::IpAddr&, dp::Mac& m) { m = {0x02, 0, 0, 0, 0, 7}; return true; });
    crypto::IdentityServiceConfig c;
    c.listen = "127.0.0.1";
    c.port = 0;
    c.ca_file = settings.ca;
    c.crl_file = settings.crl;
    c.cert_file = settings.server_cert;
    c.key_file = settings.server_key;
    std::string err;
    REQUIRE(service.start(c, [this](const crypto::AdmissionRequest& r) { return authority->admit(r); }, err));
  }

  std::vector<daemon::ControlEvent> events() { return authority->take_events(); }
  const dp::IdentityBinding* rtu() const { return table.get()->find_ip(ip("127.0.0.1")); }
};

// Asks as `device` and checks the refusal answer and its event.
void expect_refusal(Rig& rig, const std::string& device, const std::string& reason, const std::string& text) {
  INFO("device certificate: " << (device.empty() ? "(none)" : device));
  CHECK(request(rig.service.port(), rig.pki, device) == "FGID/1 REFUSED " + reason + "\n");
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].event == "identity");
  CHECK(ev[0].name == "identity.refused");
  CHECK(ev[0].fields.find("\"reason\":\"" + reason + "\"") != std::string::npos);
  CHECK(ev[0].detail.find(text) != std::string::npos);
  CHECK(rig.rtu()->lease_expires_ns == 0);
}

}  // namespace

TEST_CASE("a device certificate from the plant CA is admitted and its lease reaches the dataplane table") {
  Rig rig;
  CHECK(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].name == "identity.admitted");
  CHECK(ev[0].fields.find("\"mac\":\"02:00:00:00:00:07\"") != std::string::npos);
  CHECK(ev[0].fields.find("\"serial\":\"" + rig.serial_good + "\"") != std::string::npos);
  REQUIRE(rig.rtu() != nullptr);
  CHECK(rig.rtu()->lease_expires_ns == rig.dp_now + 60'000'000'000ull);
  CHECK(rig.rtu()->lease_mac == dp::Mac{0x02, 0, 0, 0, 0, 7});

  // Renewal extends the same lease.
  rig.dp_now += 30'000'000'000ull;
  CHECK(request(rig.service.port(), rig.pki, "good", "FGID/1 RENEW\n") == "FGID/1 OK rtu-7 60\n");
  const auto ev2 = rig.events();
  REQUIRE(ev2.size() == 1);
  CHECK(ev2[0].name == "identity.renewed");
  CHECK(rig.rtu()->lease_expires_ns == rig.dp_now + 60'000'000'000ull);
  CHECK(rig.authority->leases_json().find("\"renewals\":1") != std::string::npos);
}

TEST_CASE("every refusal reason has its own answer and event text") {
  Rig rig;
  expect_refusal(rig, "expired", "expired", "has expired");
  expect_refusal(rig, "future", "not_yet_valid", "not valid yet");
  expect_refusal(rig, "rogue", "wrong_ca", "not issued by the plant CA");
  expect_refusal(rig, "revoked", "revoked", "revoked by the CRL");
  expect_refusal(rig, "", "no_certificate", "presented no certificate");
  expect_refusal(rig, "ghost", "unknown_device", "no name in the certificate is a device id");
  expect_refusal(rig, "server_eku", "wrong_key_usage", "not for client authentication");
  expect_refusal(rig, "plc", "not_certificate_device", "its identity is not certificate");
}

TEST_CASE("a request that is not an admission is refused as a bad request") {
  Rig rig;
  CHECK(request(rig.service.port(), rig.pki, "good", "GET / HTTP/1.0\n") == "FGID/1 REFUSED bad_request\n");
  CHECK(rig.events().at(0).fields.find("bad_request") != std::string::npos);
}

TEST_CASE("revocation by command ends the lease at once and refuses the certificate afterwards") {
  Rig rig;
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  rig.events();
  CHECK(rig.authority->revoke("rtu-7", "test"));
  CHECK(rig.rtu()->lease_expires_ns == 0);
  auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].name == "identity.revoked");
  CHECK(request(rig.service.port(), rig.pki, "good") == "FGID/1 REFUSED revoked\n");
  CHECK_FALSE(rig.authority->revoke("rtu-7", "test"));  // no lease any more
}

TEST_CASE("a CRL reload revokes the leases of listed certificates and refuses them from then on") {
  Rig rig;
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  rig.events();
  rig.pki.crl({rig.serial_revoked, rig.serial_good});
  std::vector<std::string> revoked;
  std::string err;
  REQUIRE(rig.service.reload_crl(revoked, err));
  CHECK(revoked.size() == 2);
  rig.authority->revoke_serials(revoked);
  auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].name == "identity.revoked");
  CHECK(ev[0].detail.find("rtu-7") != std::string::npos);
  CHECK(rig.rtu()->lease_expires_ns == 0);
  expect_refusal(rig, "good", "revoked", "revoked by the CRL");

  // A broken CRL file is refused and the one in force stays.
  rig.pki.write("crl.pem", "not a CRL");
  CHECK_FALSE(rig.service.reload_crl(revoked, err));
  CHECK_FALSE(err.empty());
  expect_refusal(rig, "good", "revoked", "revoked by the CRL");
}

TEST_CASE("a lease that is not renewed expires with an event") {
  Rig rig(2'000'000'000ull);
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 2\n");
  rig.events();
  rig.authority->tick();
  CHECK(rig.events().empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  rig.authority->tick();
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].name == "identity.lease_expired");
  CHECK(rig.rtu()->lease_expires_ns == 0);
  CHECK(rig.authority->leases_json() == "[]");
}

TEST_CASE("a MAC seen by the dataplane towards the service wins, and must match the inventory binding") {
  Rig rig;
  dp::IdentityObservation o;
  o.finding = dp::IdentityFinding::ServiceContact;
  o.mac = {0x02, 0, 0, 0, 0, 0x70};
  o.ip = ip("127.0.0.1");
  rig.authority->observe(o);
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].fields.find("\"mac\":\"02:00:00:00:00:70\",\"mac_source\":\"dataplane\"") != std::string::npos);
}

TEST_CASE("admission protocol lines parse strictly") {
  crypto::AdmissionOp op;
  CHECK(crypto::parse_admission_request("FGID/1 ADMIT\n", op));
  CHECK(op == crypto::AdmissionOp::Admit);
  CHECK(crypto::parse_admission_request("FGID/1 RENEW\r\n", op));
  CHECK(op == crypto::AdmissionOp::Renew);
  CHECK_FALSE(crypto::parse_admission_request("FGID/1 admit\n", op));
  CHECK_FALSE(crypto::parse_admission_request("FGID/2 ADMIT\n", op));
  crypto::AdmissionAnswerLine a;
  CHECK(crypto::parse_admission_answer("FGID/1 OK rtu-7 300\n", a));
  CHECK((a.ok && a.device == "rtu-7" && a.lease_s == 300));
  CHECK(crypto::parse_admission_answer("FGID/1 REFUSED expired\n", a));
  CHECK((!a.ok && a.reason == "expired"));
  CHECK_FALSE(crypto::parse_admission_answer("FGID/1 OK rtu-7 -1\n", a));
  CHECK_FALSE(crypto::parse_admission_answer("FGID/1 OK rtu-7\n", a));
}

TEST_CASE("a new inventory without the device ends its lease; one that keeps it keeps the lease") {
  Rig rig;
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  rig.events();
  rules::Inventory same;
  rules::Device rtu;
  rtu.id = "rtu-7";
  rtu.identity = rules::IdentityKind::Certificate;
  rtu.ips = {ip("127.0.0.1")};
  same.devices.push_back(rtu);
  rig.authority->set_inventory(same);
  CHECK(rig.events().empty());
  CHECK(rig.rtu()->lease_expires_ns != 0);
  rig.authority->set_inventory(rules::Inventory{});
  const auto ev = rig.events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].name == "identity.revoked");
  CHECK(rig.table.get()->find_ip(ip("127.0.0.1")) == nullptr);
  CHECK(rig.authority->leases_json() == "[]");
}

TEST_CASE("reload_trust switches to other CA/CRL files (an update bundle's); bad ones are refused and the old stay") {
  Rig rig;
  REQUIRE(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  rig.events();
  // A bundle's CRL, in another file, that also lists the good certificate.
  std::string pem, err;
  REQUIRE(crypto::make_crl(rig.pki.ca, {rig.serial_revoked, rig.serial_good}, 86400, pem, err));
  rig.pki.write("bundle-crl.pem", pem);
  std::vector<std::string> revoked;
  REQUIRE(rig.service.reload_trust(rig.pki.path("ca.pem"), rig.pki.path("bundle-crl.pem"), revoked, err));
  CHECK(revoked.size() == 2);
  rig.authority->revoke_serials(revoked);  // what IdentityRuntime::use_trust does next
  CHECK(rig.rtu()->lease_expires_ns == 0);
  rig.events();
  expect_refusal(rig, "good", "revoked", "revoked by the CRL");

  // A broken CRL or CA is refused; the bundle's CRL stays in force.
  rig.pki.write("broken.pem", "not a CRL");
  CHECK_FALSE(rig.service.reload_trust(rig.pki.path("ca.pem"), rig.pki.path("broken.pem"), revoked, err));
  CHECK_FALSE(err.empty());
  CHECK_FALSE(rig.service.reload_trust(rig.pki.path("broken.pem"), rig.pki.path("crl.pem"), revoked, err));
  CHECK_THAT(err, Catch::Contains("identity.ca"));
  expect_refusal(rig, "good", "revoked", "revoked by the CRL");

  // Back to the config's CRL (a rollback): the good certificate is admitted again; reload_crl
  // now reads that file.
  REQUIRE(rig.service.reload_trust(rig.pki.path("ca.pem"), rig.pki.path("crl.pem"), revoked, err));
  CHECK(request(rig.service.port(), rig.pki, "good") == "FGID/1 OK rtu-7 60\n");
  CHECK(revoked.size() == 1);
  // A bundle CA: the rogue CA alone makes plant certificates wrong_ca.
  rig.pki.write("rogue-ca.pem", rig.pki.rogue.cert);
  REQUIRE(rig.service.reload_trust(rig.pki.path("rogue-ca.pem"), "", revoked, err));
  rig.events();
  CHECK(request(rig.service.port(), rig.pki, "rogue") == "FGID/1 OK rtu-7 60\n");
}
