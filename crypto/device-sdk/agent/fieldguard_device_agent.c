/*
 * fieldguard-device-agent: the example device agent. Admits the device at the gateway's
 * identity service, then renews half way through every lease until stopped (SIGINT or
 * SIGTERM). One line per event on stdout.
 *
 *   fieldguard-device-agent --gateway HOST [--port 7443] [--server-name NAME]
 *                           --ca CA.pem --cert DEVICE.pem --key DEVICE.key [--once]
 *
 * Exit status: 0 stopped (or --once: admitted), 1 refused (--once), 2 usage, 3 other error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldguard_device.h"

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

/* Reads a whole file plus a terminating NUL (mbedTLS wants PEM NUL-terminated). */
static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  long n;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1L << 20) && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
      buf[n] = '\0';
      *len = (size_t)n + 1;
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

/* Sleeps up to `ms`, waking early on a stop signal. */
static void pause_ms(unsigned long ms) {
  while (ms > 0 && !g_stop) {
    unsigned long step = ms > 100 ? 100 : ms;
    struct timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)step * 1000000L;
    nanosleep(&ts, NULL);
    ms -= step;
  }
}

static int usage(void) {
  fprintf(stderr, "usage: fieldguard-device-agent --gateway HOST [--port PORT] [--server-name NAME] "
                  "--ca FILE --cert FILE --key FILE [--once]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *gateway = NULL, *port = "7443", *server_name = NULL, *ca = NULL, *cert = NULL, *key = NULL;
  int once = 0, i, rc, admitted = 0;
  fgd_config cfg;
  fgd_client client;
  fgd_lease lease;
  struct sigaction sa;
  for (i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char **dst = NULL;
    if (strcmp(a, "--once") == 0) { once = 1; continue; }
    if (strcmp(a, "--gateway") == 0) dst = &gateway;
    else if (strcmp(a, "--port") == 0) dst = &port;
    else if (strcmp(a, "--server-name") == 0) dst = &server_name;
    else if (strcmp(a, "--ca") == 0) dst = &ca;
    else if (strcmp(a, "--cert") == 0) dst = &cert;
    else if (strcmp(a, "--key") == 0) dst = &key;
    if (dst == NULL || i + 1 >= argc) return usage();
    *dst = argv[++i];
  }
  if (gateway == NULL || ca == NULL || cert == NULL || key == NULL) return usage();

  memset(&cfg, 0, sizeof cfg);
  cfg.host = gateway;
  cfg.port = port;
  cfg.server_name = server_name;
  cfg.ca_pem = read_file(ca, &cfg.ca_pem_len);
  cfg.cert_pem = read_file(cert, &cfg.cert_pem_len);
  cfg.key_pem = read_file(key, &cfg.key_pem_len);
  if (cfg.ca_pem == NULL || cfg.cert_pem == NULL || cfg.key_pem == NULL) {
    fprintf(stderr, "fieldguard-device-agent: cannot read %s\n", cfg.ca_pem == NULL ? ca : cfg.cert_pem == NULL ? cert : key);
    return 3;
  }
  rc = fgd_init(&client, &cfg);
  /* The credentials are parsed: the key's copy is wiped and freed. */
  memset((void *)cfg.key_pem, 0, cfg.key_pem_len);
  free((void *)cfg.key_pem);
  free((void *)cfg.cert_pem);
  free((void *)cfg.ca_pem);
  if (rc != FGD_OK) {
    fprintf(stderr, "fieldguard-device-agent: %s\n", fgd_strerror(rc));
    return 3;
  }

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);

  while (!g_stop) {
    rc = admitted ? fgd_renew(&client, &lease) : fgd_admit(&client, &lease);
    if (rc == FGD_OK) {
      printf("%s %s lease %us\n", admitted ? "renewed" : "admitted", lease.device, (unsigned)lease.lease_s);
      admitted = 1;
      if (once) break;
      /* Renew half way through the lease: one lost attempt still leaves time for another. */
      pause_ms(lease.lease_s > 1 ? (unsigned long)lease.lease_s * 500UL : 500UL);
      continue;
    }
    if (rc == FGD_ERR_REFUSED) printf("refused %s\n", lease.reason);
    else printf("error %s (mbedTLS -0x%04x)\n", fgd_strerror(rc), (unsigned)-client.last_tls_error);
    admitted = 0;
    if (once) break;
    pause_ms(2000);
  }
  fgd_close(&client);
  if (once) return rc == FGD_OK ? 0 : rc == FGD_ERR_REFUSED ? 1 : 3;
  return 0;
}
