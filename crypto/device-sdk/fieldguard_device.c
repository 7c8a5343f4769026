/* fieldguard device SDK (see fieldguard_device.h). */
#include "fieldguard_device.h"
#include "fieldguard_device_internal.h"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <string.h>

static const char kPersonalisation[] = "fieldguard-device-sdk";
/* Must match crypto/identity/admission_protocol.hpp on the gateway. */
static const char kAdmit[] = "FGID/1 ADMIT\n";
static const char kRenew[] = "FGID/1 RENEW\n";
#define FGD_MAX_LINE 128

const char *fgd_strerror(int code) {
  switch (code) {
    case FGD_OK: return "ok";
    case FGD_ERR_ARGS: return "bad arguments (NULL pointer or missing configuration field)";
    case FGD_ERR_CREDENTIALS: return "the CA, device certificate or key could not be parsed, or key and certificate do not match";
    case FGD_ERR_RNG: return "the random generator could not be seeded";
    case FGD_ERR_CONNECT: return "cannot connect to the gateway's identity service";
    case FGD_ERR_HANDSHAKE: return "TLS handshake with the gateway failed";
    case FGD_ERR_SERVER_CERT: return "the gateway's certificate is not trusted (not from the plant CA, or another name)";
    case FGD_ERR_IO: return "connection to the gateway failed or timed out";
    case FGD_ERR_PROTOCOL: return "the gateway's answer was not understood";
    case FGD_ERR_REFUSED: return "the gateway refused admission";
    default: return "unknown error";
  }
}

static int copy_text(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) return 0;
  memcpy(dst, src, n + 1);
  return 1;
}

int fgd_init(fgd_client *c, const fgd_config *cfg) {
  int rc;
  if (c == NULL || cfg == NULL || cfg->host == NULL || cfg->port == NULL || cfg->ca_pem == NULL ||
      cfg->cert_pem == NULL || cfg->key_pem == NULL)
    return FGD_ERR_ARGS;
  memset(c, 0, sizeof *c);
  if (!copy_text(c->host, sizeof c->host, cfg->host) || !copy_text(c->port, sizeof c->port, cfg->port) ||
      !copy_text(c->server_name, sizeof c->server_name, cfg->server_name ? cfg->server_name : cfg->host))
    return FGD_ERR_ARGS;
  c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 5000;
  mbedtls_entropy_init(&c->entropy);
  mbedtls_ctr_drbg_init(&c->drbg);
  mbedtls_x509_crt_init(&c->ca);
  mbedtls_x509_crt_init(&c->cert);
  mbedtls_pk_init(&c->key);
  mbedtls_ssl_config_init(&c->conf);
  c->ready = 1;  /* from here fgd_close frees */

  rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy, (const unsigned char *)kPersonalisation,
                             sizeof kPersonalisation - 1);
  if (rc != 0) { c->last_tls_error = rc; fgd_close(c); return FGD_ERR_RNG; }
  if ((rc = mbedtls_x509_crt_parse(&c->ca, cfg->ca_pem, cfg->ca_pem_len)) != 0 ||
      (rc = mbedtls_x509_crt_parse(&c->cert, cfg->cert_pem, cfg->cert_pem_len)) != 0 ||
      (rc = mbedtls_pk_parse_key(&c->key, cfg->key_pem, cfg->key_pem_len, NULL, 0)) != 0 ||
      (rc = mbedtls_pk_check_pair(&c->cert.pk, &c->key)) != 0) {
    c->last_tls_error = rc;
    fgd_close(c);
    return FGD_ERR_CREDENTIALS;
  }
  rc = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) { c->last_tls_error = rc; fgd_close(c); return FGD_ERR_ARGS; }
  /* TLS 1.2 at least; the gateway's certificate is always verified. */
  mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
  mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
  mbedtls_ssl_conf_read_timeout(&c->conf, c->timeout_ms);
  if ((rc = mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key)) != 0) {
    c->last_tls_error = rc;
    fgd_close(c);
    return FGD_ERR_CREDENTIALS;
  }
  return FGD_OK;
}

int fgd_parse_answer(const char *line, fgd_lease *lease) {
  /* Strict: tokens of printable ASCII separated by single spaces, no leading or trailing
     space; an optional trailing CR. Same acceptance as the gateway's own parser. */
  const char *tok[4];
  size_t len[4], total = strlen(line), i;
  unsigned long value = 0;
  int n = 0;
  const char *p = line, *end;
  if (total > 0 && line[total - 1] == '\r') --total;
  end = line + total;
  while (p < end) {
    const char *start = p;
    if (n == 4) return FGD_ERR_PROTOCOL;
    while (p < end && *p != ' ') {
      if ((unsigned char)*p <= ' ' || (unsigned char)*p > '~') return FGD_ERR_PROTOCOL;
      ++p;
    }
    if (p == start) return FGD_ERR_PROTOCOL;
    tok[n] = start;
    len[n] = (size_t)(p - start);
    ++n;
    if (p < end && ++p == end) return FGD_ERR_PROTOCOL; /* trailing space */
  }
  if (n < 3 || len[0] != 6 || memcmp(tok[0], "FGID/1", 6) != 0) return FGD_ERR_PROTOCOL;
  if (n == 4 && len[1] == 2 && memcmp(tok[1], "OK", 2) == 0) {
    if (len[2] > 64 || len[3] > 10) return FGD_ERR_PROTOCOL;
    for (i = 0; i < len[3]; ++i) {
      if (tok[3][i] < '0' || tok[3][i] > '9') return FGD_ERR_PROTOCOL;
      value = value * 10 + (unsigned long)(tok[3][i] - '0');
    }
    if (value > 0xffffffffUL) return FGD_ERR_PROTOCOL;
    memcpy(lease->device, tok[2], len[2]);
    lease->device[len[2]] = '\0';
    lease->lease_s = (uint32_t)value;
    return FGD_OK;
  }
  if (n == 3 && len[1] == 7 && memcmp(tok[1], "REFUSED", 7) == 0) {
    if (len[2] > 64) return FGD_ERR_PROTOCOL;
    memcpy(lease->reason, tok[2], len[2]);
    lease->reason[len[2]] = '\0';
    return FGD_ERR_REFUSED;
  }
  return FGD_ERR_PROTOCOL;
}

static int exchange(fgd_client *c, const char *request, fgd_lease *lease) {
  mbedtls_net_context net;
  mbedtls_ssl_context ssl;
  char line[FGD_MAX_LINE + 1];
  size_t have = 0;
  int rc, result;
  if (c == NULL || lease == NULL || !c->ready) return FGD_ERR_ARGS;
  memset(lease, 0, sizeof *lease);
  mbedtls_net_init(&net);
  mbedtls_ssl_init(&ssl);
  if ((rc = mbedtls_net_connect(&net, c->host, c->port, MBEDTLS_NET_PROTO_TCP)) != 0) {
    c->last_tls_error = rc;
    result = FGD_ERR_CONNECT;
    goto done;
  }
  if ((rc = mbedtls_ssl_setup(&ssl, &c->conf)) != 0 || (rc = mbedtls_ssl_set_hostname(&ssl, c->server_name)) != 0) {
    c->last_tls_error = rc;
    result = FGD_ERR_ARGS;
    goto done;
  }
  mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
  while ((rc = mbedtls_ssl_handshake(&ssl)) != 0) {
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    c->last_tls_error = rc;
    result = rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ? FGD_ERR_SERVER_CERT : FGD_ERR_HANDSHAKE;
    goto done;
  }
  {
    size_t len = strlen(request), off = 0;
    while (off < len) {
      rc = mbedtls_ssl_write(&ssl, (const unsigned char *)request + off, len - off);
      if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      if (rc <= 0) { c->last_tls_error = rc; result = FGD_ERR_IO; goto done; }
      off += (size_t)rc;
    }
  }
  while (have < FGD_MAX_LINE && memchr(line, '\n', have) == NULL) {
    rc = mbedtls_ssl_read(&ssl, (unsigned char *)line + have, FGD_MAX_LINE - have);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
    if (rc <= 0) break;  /* close_notify or error: judge what arrived */
    have += (size_t)rc;
  }
  line[have] = '\0';
  {
    char *nl = strchr(line, '\n');
    if (nl == NULL) {
      c->last_tls_error = rc;
      result = have == 0 ? FGD_ERR_IO : FGD_ERR_PROTOCOL;
      goto done;
    }
    *nl = '\0';
  }
  result = fgd_parse_answer(line, lease);
  mbedtls_ssl_close_notify(&ssl);
done:
  mbedtls_ssl_free(&ssl);
  mbedtls_net_free(&net);
  return result;
}

int fgd_admit(fgd_client *c, fgd_lease *lease) { return exchange(c, kAdmit, lease); }
int fgd_renew(fgd_client *c, fgd_lease *lease) { return exchange(c, kRenew, lease); }

void fgd_close(fgd_client *c) {
  if (c == NULL || !c->ready) return;
  mbedtls_ssl_config_free(&c->conf);
  mbedtls_pk_free(&c->key);
  mbedtls_x509_crt_free(&c->cert);
  mbedtls_x509_crt_free(&c->ca);
  mbedtls_ctr_drbg_free(&c->drbg);
  mbedtls_entropy_free(&c->entropy);
  c->ready = 0;
}
