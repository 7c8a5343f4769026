#include "crypto/identity/identity_service.hpp"
#include "crypto/identity/openssl_error.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace fg::crypto {

std::string_view refusal_name(Refusal r) noexcept {
  switch (r) {
    case Refusal::None: return "none";
    case Refusal::NoCertificate: return "no_certificate";
    case Refusal::Expired: return "expired";
    case Refusal::NotYetValid: return "not_yet_valid";
    case Refusal::WrongCa: return "wrong_ca";
    case Refusal::Revoked: return "revoked";
    case Refusal::WrongKeyUsage: return "wrong_key_usage";
    case Refusal::InvalidCertificate: return "invalid_certificate";
    case Refusal::UnknownDevice: return "unknown_device";
    case Refusal::NotCertificateDevice: return "not_certificate_device";
    case Refusal::NoMac: return "no_mac";
    case Refusal::MacMismatch: return "mac_mismatch";
    case Refusal::AddressMismatch: return "address_mismatch";
    case Refusal::BadRequest: return "bad_request";
  }
  return "none";
}

std::string_view refusal_text(Refusal r) noexcept {
  switch (r) {
    case Refusal::None: return "admitted";
    case Refusal::NoCertificate: return "the device presented no certificate";
    case Refusal::Expired: return "the device certificate has expired";
    case Refusal::NotYetValid: return "the device certificate is not valid yet";
    case Refusal::WrongCa: return "the device certificate was not issued by the plant CA";
    case Refusal::Revoked: return "the device certificate is revoked by the CRL";
    case Refusal::WrongKeyUsage: return "the device certificate is not for client authentication (key usage / extended key usage)";
    case Refusal::InvalidCertificate: return "the device certificate failed verification";
    case Refusal::UnknownDevice: return "no name in the certificate is a device id of the inventory";
    case Refusal::NotCertificateDevice: return "the device is in the inventory but its identity is not certificate";
    case Refusal::NoMac: return "the connecting address was never seen with a MAC address";
    case Refusal::MacMismatch: return "the MAC address seen differs from the inventory binding";
    case Refusal::AddressMismatch: return "the connecting address is not bound to the device in the inventory";
    case Refusal::BadRequest: return "the device sent no valid admission request";
  }
  return "";
}

namespace {

// Where the verify callback notes the first problem of a handshake.
struct VerifyNote {
  int first_error = X509_V_OK;
};
int g_note_index = -1;

extern "C" int note_verify_error(int ok, X509_STORE_CTX* x) {
  // Every problem is noted and the handshake goes on: the device then gets a precise
  // refusal (and the gateway an event) instead of a bare TLS alert. Nothing is admitted
  // unless the note stays empty.
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* note = ssl ? static_cast<VerifyNote*>(SSL_get_ex_data(ssl, g_note_index)) : nullptr;
  if (!ok && note != nullptr && note->first_error == X509_V_OK) note->first_error = X509_STORE_CTX_get_error(x);
  return 1;
}

Refusal refusal_for(int verify_error) {
  switch (verify_error) {
    case X509_V_OK: return Refusal::None;
    case X509_V_ERR_CERT_HAS_EXPIRED: return Refusal::Expired;
    case X509_V_ERR_CERT_NOT_YET_VALID: return Refusal::NotYetValid;
    case X509_V_ERR_CERT_REVOKED: return Refusal::Revoked;
    case X509_V_ERR_INVALID_PURPOSE: return Refusal::WrongKeyUsage;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return Refusal::WrongCa;
    default: return Refusal::InvalidCertificate;
  }
}

std::string name_text(X509_NAME* n) {
  char buf[512];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}

PeerCertificate describe(X509* cert) {
  PeerCertificate pc;
  pc.subject = name_text(X509_get_subject_name(cert));
  pc.issuer = name_text(X509_get_issuer_name(cert));
  char cn[256];
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) pc.names.emplace_back(cn);
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
    if (g->type == GEN_DNS || g->type == GEN_URI) {
      const ASN1_IA5STRING* s = g->type == GEN_DNS ? g->d.dNSName : g->d.uniformResourceIdentifier;
      pc.names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(sans);
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  pc.serial = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  BIO* b = BIO_new(BIO_s_mem());
  if (b != nullptr && ASN1_TIME_print(b, X509_get0_notAfter(cert)) == 1) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    pc.not_after.assign(data, static_cast<std::size_t>(n));
  }
  BIO_free(b);
  return pc;
}

// Beyond OpenSSL's ssl_client purpose check (which accepts a certificate without any EKU):
// the plant's device certificates must say clientAuth, and digitalSignature when they
// carry a key usage.
bool client_auth_usage(X509* cert) {
  const std::uint32_t flags = X509_get_extension_flags(cert);
  if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT)) return false;
  if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) return false;
  return true;
}

std::string unmapped(std::string ip) {
  if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) return ip.substr(7);
  return ip;
}

}  // namespace

struct IdentityService::Context {
  SSL_CTX* ctx = nullptr;
  ~Context() { SSL_CTX_free(ctx); }
};

namespace {

std::shared_ptr<IdentityService::Context> build_context(const IdentityServiceConfig& cfg, std::string& error) {
  auto c = std::make_shared<IdentityService::Context>();
  c->ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX* ctx = c->ctx;
  if (ctx == nullptr) return error = openssl_error("cannot create the TLS context"), nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // No resumption: every admission and renewal verifies the certificate against the CRL in force.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  if (SSL_CTX_use_certificate_chain_file(ctx, cfg.cert_file.c_str()) != 1)
    return error = openssl_error("identity.server_cert: cannot load \"" + cfg.cert_file + "\""), nullptr;
  if (SSL_CTX_use_PrivateKey_file(ctx, cfg.key_file.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
    return error = openssl_error("identity.server_key: cannot load \"" + cfg.key_file + "\" (or it does not match the certificate)"), nullptr;
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  if (X509_STORE_load_file(store, cfg.ca_file.c_str()) != 1)
    return error = openssl_error("identity.ca: cannot load \"" + cfg.ca_file + "\""), nullptr;
  if (!cfg.crl_file.empty()) {
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr || X509_load_crl_file(lookup, cfg.crl_file.c_str(), X509_FILETYPE_PEM) <= 0)
      return error = openssl_error("identity.crl: cannot load \"" + cfg.crl_file + "\""), nullptr;
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  STACK_OF(X509_NAME)* cas = SSL_load_client_CA_file(cfg.ca_file.c_str());
  if (cas != nullptr) SSL_CTX_set_client_CA_list(ctx, cas);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, note_verify_error);
  SSL_CTX_set_verify_depth(ctx, 4);
  return c;
}

}  // namespace

bool read_crl_serials(const std::string& path, std::vector<std::string>& serials, std::string& error) {
  serials.clear();
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return error = "cannot read \"" + path + "\"", false;
  X509_CRL* crl = PEM_read_X509_CRL(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (crl == nullptr) return error = openssl_error("\"" + path + "\" is not a PEM CRL"), false;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; revoked != nullptr && i < sk_X509_REVOKED_num(revoked); ++i) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)), nullptr);
    char* hex = bn ? BN_bn2hex(bn) : nullptr;
    if (hex != nullptr) serials.emplace_back(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  X509_CRL_free(crl);
  return true;
}

IdentityService::IdentityService() = default;
IdentityService::~IdentityService() { stop(); }

bool IdentityService::start(const IdentityServiceConfig& cfg, Admitter admitter, std::string& error) {
  if (g_note_index < 0) g_note_index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  cfg_ = cfg;
  admitter_ = std::move(admitter);
  auto ctx = build_context(cfg_, error);
  if (!ctx) return false;
  ctx_ = ctx;

  const bool v6 = cfg.listen.find(':') != std::string::npos;
  listen_fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return error = "identity service: cannot create a socket", false;
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(cfg.port);
    if (inet_pton(AF_INET6, cfg.listen.c_str(), &a->sin6_addr) != 1) return error = "identity.listen: bad address \"" + cfg.listen + "\"", false;
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(cfg.port);
    if (inet_pton(AF_INET, cfg.listen.c_str(), &a->sin_addr) != 1) return error = "identity.listen: bad address \"" + cfg.listen + "\"", false;
    len = sizeof *a;
  }
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(listen_fd_, 32) != 0) {
    error = "identity service: cannot listen on " + cfg.listen + " port " + std::to_string(cfg.port) + ": " + std::strerror(errno);
    ::close(listen_fd_);
    listen_fd_ = -1;
    return false;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  bound_port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  stop_.store(false);
  accept_thread_ = std::thread([this] { accept_loop(); });
  return true;
}

void IdentityService::stop() {
  if (!accept_thread_.joinable()) return;
  stop_.store(true);
  accept_thread_.join();
  reap(true);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

bool IdentityService::reload_crl(std::vector<std::string>& revoked, std::string& error) {
  if (cfg_.crl_file.empty()) return error = "no CRL configured (identity.crl)", false;
  std::vector<std::string> serials;
  if (!read_crl_serials(cfg_.crl_file, serials, error)) return false;
  auto ctx = build_context(cfg_, error);
  if (!ctx) return false;
  std::lock_guard<std::mutex> lock(mu_);
  ctx_ = ctx;
  revoked = std::move(serials);
  return true;
}

bool IdentityService::reload_trust(const std::string& ca_file, const std::string& crl_file,
                                   std::vector<std::string>& revoked, std::string& error) {
  IdentityServiceConfig next = cfg_;
  next.ca_file = ca_file;
  next.crl_file = crl_file;
  std::vector<std::string> serials;
  if (!crl_file.empty() && !read_crl_serials(crl_file, serials, error)) return false;
  auto ctx = build_context(next, error);
  if (!ctx) return false;
  std::lock_guard<std::mutex> lock(mu_);
  ctx_ = ctx;
  cfg_.ca_file = ca_file;
  cfg_.crl_file = crl_file;
  revoked = std::move(serials);
  return true;
}

void IdentityService::reap(bool all) {
  std::vector<Conn> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < conns_.size();) {
      if (all || conns_[i].done->load()) {
        finished.push_back(std::move(conns_[i]));
        conns_[i] = std::move(conns_.back());
        conns_.pop_back();
      } else {
        ++i;
      }
    }
  }
  for (auto& c : finished) c.t.join();
}

void IdentityService::accept_loop() {
  while (!stop_.load()) {
    reap(false);
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
    if (fd < 0) continue;
    char ip[INET6_ADDRSTRLEN] = {};
    std::uint16_t port = 0;
    if (ss.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
      port = ntohs(a->sin_port);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
      port = ntohs(a->sin6_port);
    }
    timeval tv{static_cast<time_t>(cfg_.io_timeout_ms / 1000), static_cast<suseconds_t>((cfg_.io_timeout_ms % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::lock_guard<std::mutex> lock(mu_);
    if (conns_.size() >= cfg_.max_connections) {  // bounded: a flood cannot exhaust threads
      ::close(fd);
      continue;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    auto ctx = ctx_;
    conns_.push_back({std::thread([this, fd, peer = unmapped(ip), port, ctx, done] {
                        serve(fd, peer, port, ctx);
                        done->store(true);
                      }),
                      done});
  }
}

void IdentityService::serve(int fd, std::string peer_ip, std::uint16_t peer_port, std::shared_ptr<Context> ctx) {
  SSL* ssl = SSL_new(ctx->ctx);
  VerifyNote note;
  if (ssl == nullptr) {
    ::close(fd);
    return;
  }
  SSL_set_ex_data(ssl, g_note_index, &note);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) {  // not TLS, no shared version/cipher, the device distrusted us, timeout
    ERR_clear_error();
    SSL_free(ssl);
    ::close(fd);
    return;
  }
  AdmissionRequest req;
  req.peer_ip = std::move(peer_ip);
  req.peer_port = peer_port;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) {
    req.tls_refusal = Refusal::NoCertificate;
  } else {
    req.has_certificate = true;
    req.cert = describe(cert);
    req.tls_refusal = refusal_for(note.first_error);
    if (note.first_error != X509_V_OK) req.tls_detail = X509_verify_cert_error_string(note.first_error);
    else if (!client_auth_usage(cert)) req.tls_refusal = Refusal::WrongKeyUsage;
  }
  // One request line.
  char line[kMaxAdmissionLine + 1];
  std::size_t have = 0;
  while (have < kMaxAdmissionLine) {
    const int n = SSL_read(ssl, line + have, static_cast<int>(kMaxAdmissionLine - have));
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    if (std::memchr(line, '\n', have) != nullptr) break;
  }
  const char* nl = static_cast<const char*>(std::memchr(line, '\n', have));
  const bool valid = nl != nullptr && parse_admission_request(std::string_view(line, static_cast<std::size_t>(nl - line + 1)), req.op);
  if (!valid && req.tls_refusal == Refusal::None) req.tls_refusal = Refusal::BadRequest;

  const AdmissionAnswer a = admitter_(req);
  const std::string reply = a.ok ? format_admission_ok(a.device, a.lease_s) : format_admission_refused(refusal_name(a.reason));
  SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
  SSL_shutdown(ssl);
  ERR_clear_error();
  SSL_free(ssl);
  ::close(fd);
}

}  // namespace fg::crypto
