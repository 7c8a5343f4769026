/*
 * fieldguard device SDK: proves a field device's identity to a fieldguard gateway.
 *
 * C99, mbedTLS 2.28 only. The device holds an X.509 certificate from the plant CA (subject
 * CN or a SAN naming its device id in the gateway's inventory, extended key usage
 * clientAuth) and its private key. fgd_admit() opens a mutual-TLS connection (TLS 1.2) to
 * the gateway's identity service, verifies the gateway's certificate against the plant CA
 * and its name, and asks for admission; on success the gateway lets the device's traffic
 * through for a lease of lease_s seconds. Call fgd_renew() before the lease runs out (half
 * way is a good moment); a device that stops renewing is cut off when the lease expires.
 *
 *   fgd_client c;
 *   fgd_config cfg = {0};
 *   cfg.host = "198.18.0.254"; cfg.port = "7443"; cfg.server_name = "fieldguard-gateway";
 *   cfg.ca_pem = ca; cfg.ca_pem_len = ca_len;          (PEM: NUL-terminated, length includes the NUL)
 *   cfg.cert_pem = crt; cfg.cert_pem_len = crt_len;
 *   cfg.key_pem = key; cfg.key_pem_len = key_len;
 *   if (fgd_init(&c, &cfg) != FGD_OK) ...;
 *   fgd_lease lease;
 *   int rc = fgd_admit(&c, &lease);                      (FGD_ERR_REFUSED: lease.reason says why)
 *   ... sleep(lease.lease_s / 2); rc = fgd_renew(&c, &lease); ...
 *   fgd_close(&c);
 *
 * One client per thread; the calls block (connect, then at most timeout_ms per read).
 * Nothing is allocated after fgd_init beyond what mbedTLS allocates for a handshake.
 */
#ifndef FIELDGUARD_DEVICE_H
#define FIELDGUARD_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes: 0 or one of these (negative). fgd_strerror() names them. */
#define FGD_OK 0
#define FGD_ERR_ARGS (-1)          /* a NULL pointer or a missing field in fgd_config */
#define FGD_ERR_CREDENTIALS (-2)   /* the CA, certificate or key would not parse, or key and certificate differ */
#define FGD_ERR_RNG (-3)           /* the random generator could not be seeded */
#define FGD_ERR_CONNECT (-4)       /* no TCP connection to host:port */
#define FGD_ERR_HANDSHAKE (-5)     /* the TLS handshake failed (version, cipher, alert from the gateway) */
#define FGD_ERR_SERVER_CERT (-6)   /* the gateway's certificate is not from the plant CA or names another host */
#define FGD_ERR_IO (-7)            /* the connection failed or timed out after the handshake */
#define FGD_ERR_PROTOCOL (-8)      /* the gateway's answer was not understood */
#define FGD_ERR_REFUSED (-9)       /* the gateway refused admission: fgd_lease.reason says why */

typedef struct fgd_config {
  const char *host;                /* gateway address or name */
  const char *port;                /* identity service port, e.g. "7443" */
  const char *server_name;         /* name the gateway certificate must carry; NULL = host */
  const unsigned char *ca_pem;     /* plant CA */
  size_t ca_pem_len;
  const unsigned char *cert_pem;   /* this device's certificate */
  size_t cert_pem_len;
  const unsigned char *key_pem;    /* its private key (unencrypted) */
  size_t key_pem_len;
  uint32_t timeout_ms;             /* per read; 0 = 5000 */
} fgd_config;

typedef struct fgd_lease {
  char device[65];                 /* the device id the gateway admitted */
  uint32_t lease_s;                /* seconds from now */
  char reason[65];                 /* FGD_ERR_REFUSED: the gateway's reason (expired, revoked, wrong_ca, ...) */
} fgd_lease;

/* Everything a client holds; treat as opaque. */
typedef struct fgd_client {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  mbedtls_ssl_config conf;
  char host[256];
  char port[8];
  char server_name[256];
  uint32_t timeout_ms;
  int ready;
  int last_tls_error;              /* the last mbedTLS error code, for diagnostics */
} fgd_client;

/* Parses the credentials and prepares the TLS configuration. */
int fgd_init(fgd_client *c, const fgd_config *cfg);
/* Asks for admission; fills *lease on FGD_OK (and lease->reason on FGD_ERR_REFUSED). */
int fgd_admit(fgd_client *c, fgd_lease *lease);
/* Asks to extend the lease (a new connection: the gateway checks the certificate again). */
int fgd_renew(fgd_client *c, fgd_lease *lease);
/* Frees what fgd_init set up. */
void fgd_close(fgd_client *c);
/* A constant English sentence for a result code. */
const char *fgd_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* FIELDGUARD_DEVICE_H */
