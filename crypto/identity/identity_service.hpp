// The certificate identity service: a mutual-TLS (TLS 1.2+, OpenSSL 3) listener on the
// gateway. A device presents a certificate from the plant CA; the service checks chain,
// validity, CRL and key usage, reads the device names (subject CN, SAN DNS/URI) and asks
// the admitter (the daemon's identity authority) for a lease. Runs on its own control-plane
// threads: an accept loop and one short-lived thread per connection (bounded).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crypto/identity/admission_protocol.hpp"

namespace fg::crypto {

// Why an admission was refused; each has its own event text (docs/IDENTITY.md).
enum class Refusal : std::uint8_t {
  None,
  NoCertificate,         // the device sent no certificate
  Expired,               // notAfter passed
  NotYetValid,           // notBefore in the future
  WrongCa,               // not issued by the plant CA (unknown issuer, bad signature, self-signed)
  Revoked,               // listed in the CRL
  WrongKeyUsage,         // no clientAuth extended key usage, or key usage without digitalSignature
  InvalidCertificate,    // any other verification failure (detail names it)
  UnknownDevice,         // no name of the certificate is a device id in the inventory
  NotCertificateDevice,  // the device exists but its identity is not `certificate`
  NoMac,                 // the connecting address was never seen with a MAC (docs/IDENTITY.md)
  MacMismatch,           // the MAC seen differs from the inventory's binding
  AddressMismatch,       // the connecting address is not one the inventory binds to the device
  BadRequest,            // the request line was not FGID/1 ADMIT|RENEW
};

std::string_view refusal_name(Refusal r) noexcept;
std::string_view refusal_text(Refusal r) noexcept;  // a sentence for the event's detail

struct PeerCertificate {
  std::vector<std::string> names;  // subject CN first, then SAN DNS and URI entries
  std::string subject;
  std::string issuer;
  std::string serial;              // upper-case hex
  std::string not_after;           // as OpenSSL prints it
};

struct AdmissionRequest {
  std::string peer_ip;             // text form, as the socket reported it
  std::uint16_t peer_port = 0;
  AdmissionOp op = AdmissionOp::Admit;
  bool has_certificate = false;
  PeerCertificate cert;
  Refusal tls_refusal = Refusal::None;  // the certificate check's verdict
  std::string tls_detail;               // OpenSSL's verification error text, when any
};

struct AdmissionAnswer {
  bool ok = false;
  std::string device;
  std::uint32_t lease_s = 0;
  Refusal reason = Refusal::None;
};

// Called for every connection that completes a TLS handshake, refused or not, so that the
// authority can report every refusal. Must be thread-safe.
using Admitter = std::function<AdmissionAnswer(const AdmissionRequest&)>;

struct IdentityServiceConfig {
  std::string listen = "0.0.0.0";
  std::uint16_t port = 7443;       // 0: an ephemeral port (tests)
  std::string ca_file;             // the plant CA (PEM)
  std::string crl_file;            // optional CRL (PEM); when set, every certificate is checked against it
  std::string cert_file;           // the gateway's server certificate and key (PEM)
  std::string key_file;
  std::uint32_t io_timeout_ms = 5000;
  std::uint32_t max_connections = 16;
};

class IdentityService {
 public:
  IdentityService();
  ~IdentityService();
  IdentityService(const IdentityService&) = delete;
  IdentityService& operator=(const IdentityService&) = delete;

  // Loads the credentials, binds and starts the accept thread. False with `error` set.
  bool start(const IdentityServiceConfig& cfg, Admitter admitter, std::string& error);
  void stop();
  // Rebuilds the TLS context with the CRL file read again; later handshakes use it.
  // `revoked` receives the serial numbers (hex) the CRL lists. On error the old context stays.
  bool reload_crl(std::vector<std::string>& revoked, std::string& error);
  // The same with other trust files (an update bundle's `ca` and/or `crl`): the context is
  // built from `ca_file` and `crl_file` (empty: no CRL check) and replaces the one in force
  // only when both load; the files then become the ones reload_crl reads. On error the old
  // context and files stay. Not concurrently with reload_crl (the caller serialises).
  bool reload_trust(const std::string& ca_file, const std::string& crl_file, std::vector<std::string>& revoked,
                    std::string& error);
  [[nodiscard]] std::uint16_t port() const noexcept { return bound_port_; }

  struct Context;

 private:
  void accept_loop();
  void serve(int fd, std::string peer_ip, std::uint16_t peer_port, std::shared_ptr<Context> ctx);
  void reap(bool all);

  IdentityServiceConfig cfg_;
  Admitter admitter_;
  int listen_fd_ = -1;
  std::uint16_t bound_port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::mutex mu_;                    // guards ctx_ and conns_
  std::shared_ptr<Context> ctx_;
  struct Conn {
    std::thread t;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Conn> conns_;
};

// Reads the serial numbers a PEM CRL file lists. False with `error` on a bad file.
bool read_crl_serials(const std::string& path, std::vector<std::string>& serials, std::string& error);

}  // namespace fg::crypto
