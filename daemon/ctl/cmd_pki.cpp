// fieldguardctl pki: a plant CA, device and gateway certificates, and the CRL, for plants
// without a PKI (docs/IDENTITY.md). Works on files in a folder; needs no daemon.
//   pki ca DIR [--cn NAME] [--days N]
//   pki issue DIR ID [--days N] [--server] [--dns NAME]... [--ip ADDR]...
//   pki revoke DIR CERT.pem
//   pki crl DIR [--days N]
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crypto/identity/pki.hpp"
#include "daemon/ctl/ctl_command.hpp"

namespace fg::ctl {

namespace {

namespace fsys = std::filesystem;

bool read_file(const fsys::path& p, std::string& out) {
  std::ifstream in(p);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// Written beside the target and renamed: a reader (fieldguardd watching the CRL) never
// sees half a file. Keys get mode 0600.
bool write_file(const fsys::path& p, const std::string& text, bool secret) {
  const fsys::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    if (secret) ::chmod(tmp.c_str(), 0600);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fsys::rename(tmp, p, ec);
  return !ec;
}

struct Flags {
  std::vector<std::string> words;
  std::string cn = "fieldguard plant CA";
  long days = 0;
  bool server = false;
  std::vector<std::string> dns, ips;
  bool ok = true;
};

Flags parse(const std::vector<std::string>& args) {
  Flags f;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](std::string& v) {
      if (i + 1 >= args.size()) { f.ok = false; return; }
      v = args[++i];
    };
    std::string v;
    if (a == "--server") f.server = true;
    else if (a == "--cn") next(f.cn);
    else if (a == "--dns") { next(v); f.dns.push_back(v); }
    else if (a == "--ip") { next(v); f.ips.push_back(v); }
    else if (a == "--days") {
      next(v);
      try { f.days = std::stol(v); } catch (...) { f.ok = false; }
      if (f.days <= 0 || f.days > 36500) f.ok = false;
    } else if (a.rfind("--", 0) == 0) f.ok = false;
    else f.words.push_back(a);
  }
  return f;
}

bool load_ca(const fsys::path& dir, crypto::PemPair& ca) {
  if (read_file(dir / "ca.pem", ca.cert) && read_file(dir / "ca.key", ca.key)) return true;
  std::cerr << "fieldguardctl: no CA in " << dir.string() << " (ca.pem and ca.key; create one with `fieldguardctl pki ca DIR`)\n";
  return false;
}

std::vector<std::string> revoked_list(const fsys::path& dir) {
  std::vector<std::string> serials;
  std::ifstream in(dir / "revoked.txt");
  for (std::string s; std::getline(in, s);)
    if (!s.empty()) serials.push_back(s);
  return serials;
}

int write_crl(const fsys::path& dir, const crypto::PemPair& ca, long days) {
  std::string pem, error;
  if (!crypto::make_crl(ca, revoked_list(dir), (days ? days : 30) * 86400L, pem, error)) {
    std::cerr << "fieldguardctl: " << error << "\n";
    return kCommandFailed;
  }
  if (!write_file(dir / "crl.pem", pem, false)) {
    std::cerr << "fieldguardctl: cannot write " << (dir / "crl.pem").string() << "\n";
    return kCommandFailed;
  }
  return kOk;
}

int usage() {
  std::cerr << "usage: fieldguardctl pki ca DIR [--cn NAME] [--days N]\n"
               "       fieldguardctl pki issue DIR ID [--days N] [--server] [--dns NAME]... [--ip ADDR]...\n"
               "       fieldguardctl pki revoke DIR CERT.pem\n"
               "       fieldguardctl pki crl DIR [--days N]\n";
  return kUsage;
}

}  // namespace

int cmd_pki(const CtlContext& ctx) {
  if (ctx.args.empty()) return usage();
  const std::string op = ctx.args[0];
  const Flags f = parse(ctx.args);
  if (!f.ok || f.words.empty()) return usage();
  const fsys::path dir = f.words[0];
  std::string error;
  if (op == "ca" && f.words.size() == 1) {
    if (fsys::exists(dir / "ca.key")) {
      std::cerr << "fieldguardctl: " << (dir / "ca.key").string() << " exists; not overwriting a CA\n";
      return kCommandFailed;
    }
    std::error_code ec;
    fsys::create_directories(dir, ec);
    crypto::PemPair ca;
    if (!crypto::make_ca(f.cn, (f.days ? f.days : 3650) * 86400L, ca, error)) {
      std::cerr << "fieldguardctl: " << error << "\n";
      return kCommandFailed;
    }
    if (!write_file(dir / "ca.key", ca.key, true) || !write_file(dir / "ca.pem", ca.cert, false) ||
        !write_file(dir / "revoked.txt", "", false)) {
      std::cerr << "fieldguardctl: cannot write into " << dir.string() << "\n";
      return kCommandFailed;
    }
    const int rc = write_crl(dir, ca, 0);
    if (rc == kOk && !ctx.json) std::cout << "plant CA in " << (dir / "ca.pem").string() << " (key ca.key, mode 0600), empty CRL crl.pem\n";
    if (rc == kOk && ctx.json) std::cout << "{\"ca\":\"" << (dir / "ca.pem").string() << "\"}\n";
    return rc;
  }
  if (op == "issue" && f.words.size() == 2) {
    crypto::PemPair ca, out;
    if (!load_ca(dir, ca)) return kCommandFailed;
    crypto::IssueOptions o;
    o.common_name = f.words[1];
    o.server = f.server;
    o.dns_names = f.dns;
    o.ip_addresses = f.ips;
    o.valid_s = (f.days ? f.days : 365) * 86400L;
    if (!crypto::issue_certificate(ca, o, out, error)) {
      std::cerr << "fieldguardctl: " << error << "\n";
      return kCommandFailed;
    }
    const std::string base = f.words[1];
    if (!write_file(dir / (base + ".key"), out.key, true) || !write_file(dir / (base + ".pem"), out.cert, false)) {
      std::cerr << "fieldguardctl: cannot write into " << dir.string() << "\n";
      return kCommandFailed;
    }
    const std::string serial = crypto::certificate_serial(out.cert);
    if (ctx.json) std::cout << "{\"cert\":\"" << (dir / (base + ".pem")).string() << "\",\"serial\":\"" << serial << "\"}\n";
    else std::cout << (f.server ? "gateway" : "device") << " certificate " << (dir / (base + ".pem")).string() << " (key " << base
                   << ".key, mode 0600), serial " << serial << "\n";
    return kOk;
  }
  if (op == "revoke" && f.words.size() == 2) {
    crypto::PemPair ca;
    if (!load_ca(dir, ca)) return kCommandFailed;
    std::string pem;
    const std::string serial = read_file(f.words[1], pem) ? crypto::certificate_serial(pem) : "";
    if (serial.empty()) {
      std::cerr << "fieldguardctl: " << f.words[1] << " is not a PEM certificate\n";
      return kCommandFailed;
    }
    auto serials = revoked_list(dir);
    if (std::find(serials.begin(), serials.end(), serial) == serials.end()) serials.push_back(serial);
    std::string list;
    for (const auto& s : serials) list += s + "\n";
    if (!write_file(dir / "revoked.txt", list, false)) return kCommandFailed;
    const int rc = write_crl(dir, ca, f.days);
    if (rc == kOk && !ctx.json) std::cout << "revoked serial " << serial << "; " << (dir / "crl.pem").string() << " updated\n";
    return rc;
  }
  if (op == "crl" && f.words.size() == 1) {
    crypto::PemPair ca;
    if (!load_ca(dir, ca)) return kCommandFailed;
    const int rc = write_crl(dir, ca, f.days);
    if (rc == kOk && !ctx.json) std::cout << (dir / "crl.pem").string() << " re-signed\n";
    return rc;
  }
  return usage();
}

}  // namespace fg::ctl
