// The management keys of the config: logging rotation and seals, syslog export, metrics,
// capture directory and the per-pair fail-safe policy; errors name file:line:col.
#include <catch2/catch.hpp>

#include "daemon/config/config_loader.hpp"

using namespace fg::daemon;

namespace {
std::string errors_of(const std::string& yaml) {
  Config c;
  Diagnostics d;
  CHECK_FALSE(load_config_text(yaml, "fg.yaml", c, d));
  return d.str();
}
}  // namespace

TEST_CASE("management settings load with their values") {
  Config c;
  Diagnostics d;
  const bool ok = load_config_text(R"(
dataplane:
  ports:
    - {name: field, device: net_af_packet0}
    - {name: plant, device: net_af_packet1}
  pairs:
    - {south: field, north: plant, fail: open}
logging:
  event_log: /var/log/fieldguard/events.jsonl
  audit: changes
  max_size: 64MiB
  keep: 7
  seal_key: /etc/fieldguard/seal.key
  seal_interval: 30s
syslog:
  server: console.example:6514
  ca: /etc/fieldguard/console-ca.pem
  cert: /etc/fieldguard/gw.pem
  key: /etc/fieldguard/gw.key
  queue_max: 1GiB
metrics:
  listen: 127.0.0.1:9310
control:
  capture_dir: /var/lib/fieldguard/captures
)", "fg.yaml", c, d);
  INFO(d.str());
  REQUIRE(ok);
  CHECK(c.pairs[0].fail_open);
  CHECK(c.log_max_size == 64ull << 20);
  CHECK(c.log_keep == 7);
  CHECK(c.audit_level == AuditLevel::Changes);
  CHECK(c.log_chain);
  CHECK(c.seal_key == "/etc/fieldguard/seal.key");
  CHECK(c.seal_interval_ns == 30'000'000'000ull);
  CHECK(c.syslog.server == "console.example:6514");
  CHECK(c.syslog.queue_max == 1ull << 30);
  CHECK(c.syslog.cert == "/etc/fieldguard/gw.pem");
  CHECK(c.metrics_listen == "127.0.0.1:9310");
  CHECK(c.capture_dir == "/var/lib/fieldguard/captures");
}

TEST_CASE("defaults: fail closed, chain on, no rotation, no export") {
  Config c;
  Diagnostics d;
  REQUIRE(load_config_text("dataplane:\n  ports: [{name: a, device: x}, {name: b, device: y}]\n  pairs: [{south: a, north: b}]\n",
                           "fg.yaml", c, d));
  CHECK_FALSE(c.pairs[0].fail_open);
  CHECK(c.log_chain);
  CHECK(c.audit_level == AuditLevel::All);
  CHECK(c.log_max_size == 0);
  CHECK(c.syslog.server.empty());
  CHECK(c.metrics_listen.empty());
}

TEST_CASE("bad management settings are errors with their place") {
  CHECK(errors_of("logging:\n  max_size: lots\n").find("fg.yaml:2:13: error: logging.max_size: expected a size") !=
        std::string::npos);
  CHECK(errors_of("logging:\n  max_size: 100\n").find("at least 4KiB") != std::string::npos);
  CHECK(errors_of("logging:\n  chain: false\n  seal_key: /k\n").find("seal_key needs chain: true") != std::string::npos);
  CHECK(errors_of("logging:\n  keep_files: 3\n").find("keep_files") != std::string::npos);
  CHECK(errors_of("logging:\n  audit: some\n").find("fg.yaml:2:10: error: logging.audit: expected all, changes or flagged") !=
        std::string::npos);
  // TLS verification cannot be switched off: no CA, no export.
  CHECK(errors_of("syslog:\n  server: c:6514\n").find("missing \"ca\"") != std::string::npos);
  CHECK(errors_of("syslog:\n  server: c\n  ca: /ca\n").find("fg.yaml:2:11: error: syslog.server: expected HOST:PORT") !=
        std::string::npos);
  CHECK(errors_of("syslog:\n  server: c:1\n  ca: /ca\n  cert: /c\n").find("go together") != std::string::npos);
  CHECK(errors_of("metrics:\n  listen: 9310\n").find("metrics.listen: expected ADDRESS:PORT") != std::string::npos);
  CHECK(errors_of("dataplane:\n  ports: [{name: a, device: x}, {name: b, device: y}]\n"
                  "  pairs: [{south: a, north: b, fail: sometimes}]\n")
            .find("dataplane.pairs[0].fail: expected open or closed") != std::string::npos);
}
