"""Console side of the update tests: a test CA with server and gateway certificates (openssl
CLI), console keys and bundles (fieldguard-bundle), and nginx serving them over mutual TLS
with its own config. Everything lives in one temporary directory."""
import os
import signal
import subprocess
import time

BUNDLE_TOOL = os.environ.get("FIELDGUARD_BUNDLE", "fieldguard-bundle")


def run(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kw)


def bundle_tool(*args):
    return run(BUNDLE_TOOL, *args)


class Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, under `d`/`name`-*."""

    def __init__(self, d, name):
        self.ca_key, self.ca = f"{d}/{name}-ca.key", f"{d}/{name}-ca.crt"
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", self.ca_key, "-out", self.ca, "-days", "2", "-subj", f"/CN={name} test CA")
        self.server_key, self.server = self.issue(d, f"{name}-server", "127.0.0.1", server=True)
        self.client_key, self.client = self.issue(d, f"{name}-gw-1", "gw-1", server=False)

    def issue(self, d, base, cn, server):
        key, csr, crt, ext = (f"{d}/{base}.{e}" for e in ("key", "csr", "crt", "ext"))
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", f"/CN={cn}")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" if server
                    else "extendedKeyUsage=clientAuth\n")
        run("openssl", "x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
            "-out", crt, "-days", "2", "-extfile", ext)
        return key, crt


class Nginx:
    """Debian's nginx with a config of its own: HTTPS on 127.0.0.1:port, client certificates
    required (ssl_verify_client on), bundles served from `www`, reports POSTed to /report
    logged with their bodies. Runs inside network namespace `netns` (or the current one)."""

    def __init__(self, d, port, pki, netns=None):
        self.d, self.port, self.netns = d, port, netns
        self.www = f"{d}/www"
        os.makedirs(self.www, exist_ok=True)
        os.makedirs(f"{d}/nginx-tmp", exist_ok=True)
        self.conf, self.pid_file = f"{d}/nginx.conf", f"{d}/nginx.pid"
        self.access_log, self.report_log = f"{d}/nginx-access.log", f"{d}/nginx-reports.log"
        self.proc = None
        self.client_ca = pki.ca  # gateways' certificates always come from the real test CA
        self.write_conf(pki)

    def write_conf(self, server_pki):
        client_ca = self.client_ca
        t = f"{self.d}/nginx-tmp"
        with open(self.conf, "w") as f:
            f.write(f"""
user root;
worker_processes 1;
pid {self.pid_file};
error_log {self.d}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
  client_body_temp_path {t}/body; proxy_temp_path {t}/proxy; fastcgi_temp_path {t}/fcgi;
  uwsgi_temp_path {t}/uwsgi; scgi_temp_path {t}/scgi;
  log_format report escape=none '$request_body';
  access_log {self.access_log};
  server {{
    listen 127.0.0.1:{self.port} ssl;
    ssl_certificate {server_pki.server};
    ssl_certificate_key {server_pki.server_key};
    ssl_client_certificate {client_ca};
    ssl_verify_client on;
    root {self.www};
    location /report {{
      access_log {self.report_log} report;
      proxy_pass http://127.0.0.1:{self.port + 1}/;
    }}
  }}
  server {{
    listen 127.0.0.1:{self.port + 1};
    location / {{ return 204; }}
  }}
}}
""")

    def cmd(self, *args):
        pre = ["ip", "netns", "exec", self.netns] if self.netns else []
        return pre + list(args)

    def start(self):
        self.proc = subprocess.Popen(self.cmd("nginx", "-c", self.conf, "-p", self.d, "-g", "daemon off;"),
                                     stdout=subprocess.DEVNULL, stderr=open(f"{self.d}/nginx-stderr.log", "w"))
        end = time.time() + 10
        while time.time() < end:
            if os.path.exists(self.pid_file):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + open(f"{self.d}/nginx-stderr.log").read())

    def reload(self, server_pki):
        """Serves with another certificate (as an impostor console would)."""
        self.write_conf(server_pki)
        old = open(self.pid_file).read().strip()
        os.kill(int(old), signal.SIGHUP)
        time.sleep(0.5)  # the master starts new workers with the new config

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def reports(self):
        if not os.path.exists(self.report_log):
            return []
        return [line.strip() for line in open(self.report_log) if line.strip()]

    def serve(self, src, name, stamp):
        """Publishes `src` as `name` with an explicit mtime so that every new bundle gets a
        new ETag even within one second."""
        dst = f"{self.www}/{name}"
        tmp = dst + ".tmp"
        with open(src, "rb") as i, open(tmp, "wb") as o:
            o.write(i.read())
        os.utime(tmp, (stamp, stamp))
        os.rename(tmp, dst)
